package handlers

import (
	"fmt"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	"hotline/views/pdf"
)

// showApplicationList is the operator's list of applications, by status,
// with the count of each.
func (s *Server) showApplicationList(c *fiber.Ctx) error {
	status := store.ApplicationStatus(c.Query("status"))
	if !status.Valid() {
		status = ""
	}
	counts, err := s.db.CountApplications()
	if err != nil {
		return err
	}
	apps, err := s.db.Applications(status)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	v := views.ApplicationListView{Tabs: []views.ApplicationTab{{Label: "すべて", Count: total, Active: status == ""}}}
	for _, st := range store.ApplicationStatuses {
		v.Tabs = append(v.Tabs, views.ApplicationTab{Status: st, Label: st.Label(), Count: counts[st], Active: st == status})
	}
	names := map[string]string{}
	for _, a := range apps {
		row := views.ApplicationListRow{App: a}
		if a.FacilityOID != "" {
			if _, ok := names[a.FacilityOID]; !ok {
				if f, err := s.db.Facility(a.FacilityOID); err == nil {
					names[a.FacilityOID] = f.Name
				}
			}
			row.FacilityName = names[a.FacilityOID]
		}
		v.Rows = append(v.Rows, row)
	}
	return s.web.Render(c, "利用申込", views.Admin("applications", views.ApplicationList(v)))
}

// applicationDetail builds the operator's view of one application.
func (s *Server) applicationDetail(a store.Application, form views.Form) (views.ApplicationDetailView, error) {
	v := views.ApplicationDetailView{App: a, Form: form}
	if a.FacilityOID != "" {
		f, err := s.db.Facility(a.FacilityOID)
		switch {
		case err == nil:
			v.Facility = &f
		case store.ErrorCode(err) != store.ENOTFOUND:
			return v, err
		}
	}
	if _, ok := s.letters.getForApplication(a.Number, a.MemberID, letterStartGuide); ok && a.MemberID != "" {
		v.LettersHeld = true
	}
	license := a.LicenseNumber
	if license == "" {
		license = "（記入なし）"
	}
	v.Checklist = []views.CheckItem{
		{Label: "氏名・フリガナ", Lines: []string{a.Name, a.NameKana}},
		{Label: "資格・免許番号", Lines: []string{a.Qualification.Label(), "免許番号 " + license}},
		{Label: "連絡先", Lines: []string{a.Email, "電話 " + a.Phone}},
	}
	if a.IsNewFacility() {
		nf := a.NewFacility
		code := nf.Code
		if code == "" {
			code = "（なし）"
		}
		v.Checklist = append(v.Checklist, views.CheckItem{Label: "新規施設の情報",
			Lines: []string{nf.Name + "（" + nf.Kind.Label() + "）", "医療機関コード " + code, "〒" + nf.Postal + " " + nf.Address, "電話 " + nf.Phone},
			Note:  "「加入申込書（施設用）」と照合してください。"})
	} else {
		item := views.CheckItem{Label: "所属施設", Lines: []string{"OID " + a.FacilityOID}}
		if v.Facility != nil {
			item.Lines = append(item.Lines, v.Facility.Name+"（"+v.Facility.Kind.Label()+"）", "〒"+v.Facility.Postal+" "+v.Facility.Address)
			if !v.Facility.Active {
				item.Note = "この施設は現在利用停止中です。"
			}
		} else {
			item.Note = "このOIDの施設は見つかりません。"
		}
		v.Checklist = append(v.Checklist, item)
	}
	consent := views.CheckItem{Label: "利用規約・個人情報の取扱いへの同意"}
	if a.ConsentedAt.IsZero() {
		consent.Lines = []string{"オンラインでの同意なし"}
		consent.Note = "申込書の署名により同意を確認してください。"
	} else {
		consent.Lines = []string{fmt.Sprintf("利用規約 第%d版・個人情報の取扱い 第%d版に同意", a.TermsVersion, a.PrivacyVersion),
			"同意日時 " + views.DateTime(a.ConsentedAt)}
	}
	v.Checklist = append(v.Checklist, consent)
	v.Checklist = append(v.Checklist, views.CheckItem{Label: "署名・押印", Note: "申込者本人の自署と押印があること（申込書のみで確認）。"})
	if a.IsNewFacility() {
		v.Checklist = append(v.Checklist, views.CheckItem{Label: "施設管理者の署名・押印", Note: "「加入申込書（施設用）」に施設管理者の自署と押印があること。"})
	}
	return v, nil
}

func applicationForm(values map[string]string) views.Form {
	return views.NewForm(store.ApplicationReviewSpec, values)
}

// showApplication is the operator's page for one application: everything
// to compare with the paper form, and the review actions.
func (s *Server) showApplication(c *fiber.Ctx) error {
	a, err := s.db.Application(c.Params("number"))
	if err != nil {
		return err
	}
	v, err := s.applicationDetail(a, applicationForm(nil))
	if err != nil {
		return err
	}
	return s.web.Render(c, "利用申込 "+a.Number, views.Admin("applications", views.ApplicationDetail(v)))
}

// applicationFormError re-renders the detail page with a field's message.
func (s *Server) applicationFormError(c *fiber.Ctx, err error, number string, values map[string]string) error {
	a, aerr := s.db.Application(number)
	if aerr != nil {
		return aerr
	}
	return s.web.InvalidForm(c, err, "利用申込 "+a.Number, func(f views.Form) templ.Component {
		v, verr := s.applicationDetail(a, f)
		if verr != nil {
			return views.ErrorPage(errorView(verr))
		}
		return views.Admin("applications", views.ApplicationDetail(v))
	}, applicationForm(values))
}

// receiveApplication records the paper form arrived (書類受付).
func (s *Server) receiveApplication(c *fiber.Ctx) error {
	a, err := s.db.MarkApplicationReceived(c.Params("number"), web.MemberOf(c).ID, c.IP())
	if err != nil {
		return err
	}
	return web.Redirect(c, "/admin/applications/"+a.Number+"?done=updated")
}

// approveApplication approves a received application: the member (and a
// new facility) are created, the initial passwords go to the letter vault
// only, and the operator is sent to print the letters.
func (s *Server) approveApplication(c *fiber.Ctx) error {
	if web.Unconfirmed(c, "confirm_approve") {
		return s.applicationFormError(c, store.FieldErrors{"confirm_approve": views.MsgConfirmFirst}.Err(), c.Params("number"), nil)
	}
	ap, err := s.db.ApproveApplication(c.Params("number"), web.MemberOf(c).ID, c.IP())
	if err != nil {
		return err
	}
	s.letters.holdApproval(ap)
	return web.Redirect(c, "/admin/applications/"+ap.Application.Number+"/letters")
}

// rejectApplication ends the review with a reason (required).
func (s *Server) rejectApplication(c *fiber.Ctx) error {
	number := c.Params("number")
	values := web.Bind(c, store.ApplicationReviewSpec)
	a, err := s.db.RejectApplication(number, values["reason"], web.MemberOf(c).ID, c.IP())
	if err != nil {
		if store.ErrorCode(err) == store.EINVALID {
			return s.applicationFormError(c, err, number, values)
		}
		return err
	}
	return web.Redirect(c, "/admin/applications/"+a.Number+"?done=updated")
}

// addApplicationNote keeps an operator's remark on the application.
func (s *Server) addApplicationNote(c *fiber.Ctx) error {
	number := c.Params("number")
	values := web.Bind(c, store.ApplicationReviewSpec)
	a, err := s.db.AddApplicationNote(number, values["note"], web.MemberOf(c).ID, c.IP())
	if err != nil {
		if store.ErrorCode(err) == store.EINVALID {
			return s.applicationFormError(c, err, number, values)
		}
		return err
	}
	return web.Redirect(c, "/admin/applications/"+a.Number+"?done=saved")
}

// markApplicationMailed records the letters mailed (郵送済) and wipes their
// passwords from memory.
func (s *Server) markApplicationMailed(c *fiber.Ctx) error {
	if web.Unconfirmed(c, "confirm_mailed") {
		a, err := s.approvedApplication(c)
		if err != nil {
			return err
		}
		return s.renderLetters(c, fiber.StatusUnprocessableEntity, s.applicationLettersView(a))
	}
	a, err := s.db.MarkApplicationLettersMailed(c.Params("number"), web.MemberOf(c).ID, c.IP())
	if err != nil {
		return err
	}
	s.letters.wipeApplication(a.Number)
	return web.Redirect(c, "/admin/applications/"+a.Number+"?done=updated")
}

// approvedApplication loads an application whose letters are asked for;
// before approval there are none (409).
func (s *Server) approvedApplication(c *fiber.Ctx) (store.Application, error) {
	a, err := s.db.Application(c.Params("number"))
	if err != nil {
		return a, err
	}
	if a.Status != store.ApplicationApproved {
		return a, store.Errorf(store.ECONFLICT, "受付番号 %s は承認されていないため（%s）、郵送する資料はありません。", a.Number, a.Status.Label())
	}
	return a, nil
}

// showApplicationLetters is the page an approval leads to: the letters to
// print (利用開始案内 always, 施設登録情報 for a new facility) and the
// 郵送済 action.
func (s *Server) showApplicationLetters(c *fiber.Ctx) error {
	a, err := s.approvedApplication(c)
	if err != nil {
		return err
	}
	return s.renderLetters(c, fiber.StatusOK, s.applicationLettersView(a))
}

// renderLetters shows a letters page; a 422 is the 郵送済 form sent without
// its confirmation.
func (s *Server) renderLetters(c *fiber.Ctx, status int, v views.LettersView) error {
	if status == fiber.StatusUnprocessableEntity {
		v.ConfirmError = views.MsgConfirmFirst
	}
	if err := s.blockLetters(&v); err != nil {
		return err
	}
	return s.web.RenderStatus(c, status, v.Title, views.Admin(v.Section, views.Letters(v)))
}

func (s *Server) applicationLettersView(a store.Application) views.LettersView {
	vault := s.letters
	base := "/admin/applications/" + a.Number
	v := views.LettersView{Section: "applications", Title: "資料の印刷・郵送（受付番号 " + a.Number + "）",
		Back: views.Link{Href: base, Text: "利用申込 " + a.Number}}
	if a.LettersMailedAt.IsZero() {
		v.Lead = "承認しました。次の資料を印刷し、申込者へ郵送してください。"
		v.MailedAction = base + "/mailed"
	} else {
		v.Lead = "資料は " + views.DateTime(a.LettersMailedAt) + " に郵送済みとして記録されています。"
	}
	guide := views.LetterLink{Title: "利用開始案内", For: a.Name + "（" + a.MemberID + "）",
		ResetAction: "/admin/members/" + a.MemberID + "/reset-password", ResetLabel: "会員のパスワードを再発行する"}
	if l, ok := vault.getForApplication(a.Number, a.MemberID, letterStartGuide); ok {
		guide.Href = base + "/letters/start-guide.pdf"
		guide.Expires = views.DateTime(l.ExpiresAt)
	}
	v.Letters = append(v.Letters, guide)
	if a.IsNewFacility() {
		info := views.LetterLink{Title: "施設登録情報", For: a.NewFacility.Name + "（" + a.CreatedFacilityOID + "）",
			ResetAction: "/admin/facilities/" + a.CreatedFacilityOID + "/reset-password", ResetLabel: "施設パスワードを再発行する"}
		if l, ok := vault.getForApplication(a.Number, a.CreatedFacilityOID, letterFacilityInfo); ok {
			info.Href = base + "/letters/facility-info.pdf"
			info.Expires = views.DateTime(l.ExpiresAt)
		}
		v.Letters = append(v.Letters, info)
	}
	return v
}

// blockLetters marks a letters page whose letters cannot be printed yet
// (設定 not done).
func (s *Server) blockLetters(v *views.LettersView) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	v.Blocked = lettersBlocked(st)
	return nil
}

// applicationStartGuideFile prints the approval's 利用開始案内.
func (s *Server) applicationStartGuideFile(c *fiber.Ctx) (web.File, error) {
	a, err := s.approvedApplication(c)
	if err != nil {
		return web.File{}, err
	}
	l, ok := s.letters.getForApplication(a.Number, a.MemberID, letterStartGuide)
	if !ok {
		return web.File{}, letterGone("利用開始案内", letterGoneReason(!a.LettersMailedAt.IsZero()), "/admin/applications/"+a.Number+"/letters")
	}
	return s.startGuideFile(c, l, "/admin/applications/"+a.Number+"/letters")
}

// applicationFacilityInfoFile prints the approval's 施設登録情報 (only for
// an application that created a facility).
func (s *Server) applicationFacilityInfoFile(c *fiber.Ctx) (web.File, error) {
	a, err := s.approvedApplication(c)
	if err != nil {
		return web.File{}, err
	}
	if !a.IsNewFacility() {
		return web.File{}, store.NotFound()
	}
	l, ok := s.letters.getForApplication(a.Number, a.CreatedFacilityOID, letterFacilityInfo)
	if !ok {
		return web.File{}, letterGone("施設登録情報", letterGoneReason(!a.LettersMailedAt.IsZero()), "/admin/applications/"+a.Number+"/letters")
	}
	return s.facilityInfoFile(c, l, "/admin/applications/"+a.Number+"/letters")
}

// startGuideFile is a held 利用開始案内, addressed to the member at their
// facility for a window envelope; printing it is audited. It is refused
// (409, with the way to 設定) while the settings hold placeholders, also
// for a HEAD.
func (s *Server) startGuideFile(c *fiber.Ctx, l printableLetter, back string) (web.File, error) {
	st, err := s.db.Settings()
	if err != nil {
		return web.File{}, err
	}
	if err := lettersNotReady(st, "利用開始案内", back); err != nil {
		return web.File{}, err
	}
	return web.PDFFile("start-guide-"+l.Subject+".pdf", "利用開始案内_"+l.Subject+".pdf", func() ([]byte, error) {
		doc := pdf.StartGuide{Operator: pdf.OperatorOf(st), IssuedOn: warekiDate(l.IssuedAt), Name: l.Name,
			FacilityName: l.FacilityName, MemberID: l.Subject, Password: l.Password}
		if m, err := s.db.Member(l.Subject); err == nil && m.FacilityOID != "" {
			if f, err := s.db.Facility(m.FacilityOID); err == nil {
				doc.Postal, doc.Address, doc.FacilityName = f.Postal, f.Address, f.Name
			}
		}
		return doc.Render()
	}, func() error {
		return s.db.Audit(store.AuditEvent{Actor: web.MemberOf(c).ID, Action: store.AuditLetterPrint, Object: "member:" + l.Subject,
			Remote: c.IP(), Detail: "利用開始案内"})
	}), nil
}

// facilityInfoFile is a held 施設登録情報, addressed to the facility for a
// window envelope; printing it is audited. Refused like startGuideFile
// while the settings hold placeholders.
func (s *Server) facilityInfoFile(c *fiber.Ctx, l printableLetter, back string) (web.File, error) {
	st, err := s.db.Settings()
	if err != nil {
		return web.File{}, err
	}
	if err := lettersNotReady(st, "施設登録情報", back); err != nil {
		return web.File{}, err
	}
	return web.PDFFile("facility-info-"+l.Subject+".pdf", "施設登録情報_"+l.Subject+".pdf", func() ([]byte, error) {
		doc := pdf.FacilityInfo{Operator: pdf.OperatorOf(st), IssuedOn: warekiDate(l.IssuedAt), FacilityName: l.Name,
			FacilityID: l.Subject, Password: l.Password}
		if f, err := s.db.Facility(l.Subject); err == nil {
			doc.Postal, doc.Address = f.Postal, f.Address
		}
		return doc.Render()
	}, func() error {
		return s.db.Audit(store.AuditEvent{Actor: web.MemberOf(c).ID, Action: store.AuditLetterPrint, Object: "facility:" + l.Subject,
			Remote: c.IP(), Detail: "施設登録情報"})
	}), nil
}
