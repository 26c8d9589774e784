package handlers

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showDashboard is the operator's ダッシュボード: what waits, and warnings
// about placeholder settings and a server running without certificates.
func (s *Server) showDashboard(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	inquiries, err := s.db.CountInquiries()
	if err != nil {
		return err
	}
	requests, err := s.db.CountRequests()
	if err != nil {
		return err
	}
	members, err := s.db.CountMembers()
	if err != nil {
		return err
	}
	holds, err := s.db.LoginHolds("")
	if err != nil {
		return err
	}
	applications, err := s.db.CountApplications()
	if err != nil {
		return err
	}
	held, err := s.heldLetters()
	if err != nil {
		return err
	}
	drugs, err := s.db.DrugMasterState()
	if err != nil {
		return err
	}
	// Letters to print first: their passwords vanish within 24 hours.
	// Then applications (利用申込), which wait for the operator's review.
	counts := []views.DashboardCount{
		{Key: "letters-held", Label: "印刷・郵送待ちの資料（24時間で消去）", Count: len(held), Href: "#letters-held", Waiting: true},
		{Key: "applications-pending", Label: "申込書の到着待ち", Count: applications[store.ApplicationPending], Href: "/admin/applications?status=pending", Waiting: true},
		{Key: "applications-received", Label: "審査待ちの利用申込", Count: applications[store.ApplicationReceived], Href: "/admin/applications?status=received", Waiting: true},
	}
	counts = append(counts,
		views.DashboardCount{Key: "inquiries-open", Label: "未対応の問合せ", Count: inquiries[store.InquiryOpen], Href: "/admin/inquiries?status=open", Waiting: true},
		views.DashboardCount{Key: "inquiries-in-progress", Label: "対応中の問合せ", Count: inquiries[store.InquiryInProgress], Href: "/admin/inquiries?status=in_progress", Waiting: true},
		views.DashboardCount{Key: "requests-open", Label: "受付中の申請", Count: requests[store.RequestOpen], Href: "/admin/requests?status=open", Waiting: true},
		views.DashboardCount{Key: "login-holds", Label: "ログイン一時停止", Count: len(holds), Href: "/admin/login-holds", Waiting: true},
		views.DashboardCount{Key: "members-active", Label: "利用中の会員", Count: members.Active, Href: "/admin/members?status=active"},
		views.DashboardCount{Key: "members-total", Label: "会員（全体）", Count: members.Total, Href: "/admin/members"},
	)
	return s.web.Render(c, "管理", views.Admin("dashboard", views.Dashboard(views.DashboardView{
		Placeholders: st.Placeholders(), CertOff: s.cfg.CertMode == web.CertOff, Counts: counts, Holds: holds,
		HeldLetters: held, Backup: s.backupSummary(), NoDrugMaster: !drugs.Loaded,
	})))
}

// heldLetters lists the approved applications whose credential letters are
// still printable and not yet marked 郵送済, the soonest wiped first.
func (s *Server) heldLetters() ([]views.HeldLetters, error) {
	var out []views.HeldLetters
	for number, expires := range s.letters.heldApplications() {
		a, err := s.db.Application(number)
		if err != nil {
			if store.ErrorCode(err) == store.ENOTFOUND {
				continue
			}
			return nil, err
		}
		if a.Status != store.ApplicationApproved || !a.LettersMailedAt.IsZero() {
			continue
		}
		out = append(out, views.HeldLetters{Number: a.Number, Name: a.Name, MemberID: a.MemberID,
			NewFacility: a.IsNewFacility(), ApprovedAt: a.DecidedAt, Expires: expires})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Expires.Equal(out[j].Expires) {
			return out[i].Expires.Before(out[j].Expires)
		}
		return out[i].Number < out[j].Number
	})
	return out, nil
}

// showLoginHolds lists every login hold in force.
func (s *Server) showLoginHolds(c *fiber.Ctx) error {
	holds, err := s.db.LoginHolds("")
	if err != nil {
		return err
	}
	return s.web.Render(c, "ログインの一時停止", views.Admin("dashboard", views.LoginHolds(holds)))
}

// clearLoginHold lifts one hold and returns to the page it was cleared on.
func (s *Server) clearLoginHold(c *fiber.Ctx) error {
	if err := s.db.ClearLoginHold(c.FormValue("key"), web.MemberOf(c).ID, c.IP()); err != nil {
		return err
	}
	back := web.SafeNext(c.FormValue("back"))
	if back == "" {
		back = "/admin/login-holds"
	}
	return web.Redirect(c, back+"?done=updated")
}
