package handlers

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

var memberStatusOptions = []views.Option{
	{Value: "", Label: "すべて"},
	{Value: string(store.MemberActive), Label: store.MemberActive.Label()},
	{Value: string(store.MemberLocked), Label: store.MemberLocked.Label()},
	{Value: string(store.MemberWithdrawn), Label: store.MemberWithdrawn.Label()},
}

// showMemberList is the operator's 会員 list: search by ID, name, kana,
// facility and status, 50 a page.
func (s *Server) showMemberList(c *fiber.Ctx) error {
	q := clipString(c.Query("q"), 100)
	status := store.MemberStatus(c.Query("status"))
	switch status {
	case "", store.MemberActive, store.MemberLocked, store.MemberWithdrawn:
	default:
		status = ""
	}
	page, _ := strconv.Atoi(c.Query("page"))
	res, err := s.db.SearchMembers(store.MemberFilter{Query: q, Status: status, Page: page})
	if err != nil {
		return err
	}
	v := views.MemberListView{Query: q, Status: string(status), Statuses: memberStatusOptions, Page: res}
	link := func(p int) string {
		vals := url.Values{}
		if q != "" {
			vals.Set("q", q)
		}
		if status != "" {
			vals.Set("status", string(status))
		}
		vals.Set("page", strconv.Itoa(p))
		return "/admin/members?" + vals.Encode()
	}
	if res.Page > 1 {
		v.PrevHref = link(res.Page - 1)
	}
	if res.Page < res.Pages() {
		v.NextHref = link(res.Page + 1)
	}
	return s.web.Render(c, "会員", views.Admin("members", views.MemberList(v)))
}

// adminMember loads the member named in the path; operators' accounts are
// managed on the 運営者 page and are not found here.
func (s *Server) adminMember(c *fiber.Ctx) (store.Member, error) {
	m, err := s.db.Member(c.Params("id"))
	if err == nil && m.IsOperator() {
		return store.Member{}, store.NotFound()
	}
	return m, err
}

// showMember is the operator's page of one member: data, status, live
// sessions, failed logins and holds, requests.
func (s *Server) showMember(c *fiber.Ctx) error {
	m, err := s.adminMember(c)
	if err != nil {
		return err
	}
	v := views.MemberDetailView{Member: m, Now: s.db.Now()}
	if m.FacilityOID != "" {
		if f, err := s.db.Facility(m.FacilityOID); err == nil {
			v.FacilityName = f.Name
		}
	}
	if v.Sessions, err = s.db.MemberSessions(m.ID); err != nil {
		return err
	}
	if v.Holds, err = s.db.LoginHolds(m.ID); err != nil {
		return err
	}
	if v.Failures, err = s.db.LoginFailures(m.ID); err != nil {
		return err
	}
	if v.PRSFailures, err = s.db.LoginFailures(store.PRSAccount(m.ID)); err != nil {
		return err
	}
	events, err := s.db.ListAudit(store.AuditFilter{Actor: m.ID, Action: string(store.AuditLogin), Limit: 20})
	if err != nil {
		return err
	}
	v.LoginEvents = events.Events
	if v.Requests, err = s.db.MemberRequests(m.ID); err != nil {
		return err
	}
	return s.web.Render(c, m.Name, views.Admin("members", views.MemberDetail(v)))
}

// memberAction runs a status change on the member in the path and returns
// to their page.
func (s *Server) memberAction(c *fiber.Ctx, do func(id, actor, remote string) error) error {
	m, err := s.adminMember(c)
	if err != nil {
		return err
	}
	if err := do(m.ID, web.MemberOf(c).ID, c.IP()); err != nil {
		return err
	}
	return web.Redirect(c, "/admin/members/"+m.ID+"?done=updated")
}

// lockMember stops the account (利用停止); its sessions end.
func (s *Server) lockMember(c *fiber.Ctx) error { return s.memberAction(c, s.db.LockMember) }

// unlockMember lets a locked account log in again.
func (s *Server) unlockMember(c *fiber.Ctx) error { return s.memberAction(c, s.db.UnlockMember) }

// withdrawMember ends the membership (退会): certificates revoked, sessions
// ended, data kept.
func (s *Server) withdrawMember(c *fiber.Ctx) error {
	return s.memberAction(c, func(id, actor, remote string) error {
		return s.db.WithdrawMember(id, actor, remote, "")
	})
}

// clearMemberLoginLimits lifts the member's holds and slow-down.
func (s *Server) clearMemberLoginLimits(c *fiber.Ctx) error {
	return s.memberAction(c, s.db.ClearAccountLoginLimits)
}
