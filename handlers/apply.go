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

func applyForm(values map[string]string) views.Form {
	return views.NewForm(store.ApplicationSpec, values)
}

// showApplyForm is the public 利用申込 (仮登録) form.
func (s *Server) showApplyForm(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	if !st.ContactReady() {
		return s.web.Render(c, "利用申込", views.ApplyClosed(views.ApplyView{Settings: st}))
	}
	return s.web.Render(c, "利用申込", views.ApplyForm(views.ApplyView{Form: applyForm(nil), Settings: st}))
}

// applyClosed answers a posted application while 設定 is not done: 409
// (the portal is not taking applications yet), nothing stored.
func (s *Server) applyClosed(c *fiber.Ctx, st store.Settings) error {
	return s.web.RenderStatus(c, fiber.StatusConflict, "利用申込", views.ApplyClosed(views.ApplyView{Settings: st,
		Form: views.Form{Message: "お申し込みは送信されませんでした。利用申込の受付は準備中です。"}}))
}

// saveApplication stores the application and sends the applicant to the
// receipt page, whose URL holds the unguessable receipt token.
func (s *Server) saveApplication(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	if !st.ContactReady() {
		return s.applyClosed(c, st)
	}
	values := web.Bind(c, store.ApplicationSpec)
	form := store.ApplicationFormFrom(values, c.FormValue("consent_asked") == "1")
	a, token, err := s.db.CreateApplication(form, c.IP())
	if err != nil {
		values["agree"] = ""
		if form.Agreed {
			values["agree"] = "on" // the box stays ticked
		}
		return s.web.InvalidForm(c, err, "利用申込", func(f views.Form) templ.Component {
			return views.ApplyForm(views.ApplyView{Form: f, Settings: st})
		}, applyForm(values))
	}
	s.log.Info("application received", "number", a.Number)
	return web.Redirect(c, receiptPath(token))
}

func receiptPath(token string) string { return "/apply/receipt/" + token }

// applicationOfReceipt finds the application of the receipt URL; unknown
// tokens are 404. The page is the applicant's alone: no search engine, no
// Referer beyond the site.
func (s *Server) applicationOfReceipt(c *fiber.Ctx) (store.Application, error) {
	c.Set("X-Robots-Tag", "noindex, nofollow")
	c.Set("Referrer-Policy", "no-referrer")
	return s.db.ApplicationByToken(c.Params("token"))
}

// showApplicationReceipt is the receipt page: 受付番号, status, the next
// steps and the forms to print while the review is open.
func (s *Server) showApplicationReceipt(c *fiber.Ctx) error {
	a, err := s.applicationOfReceipt(c)
	if err != nil {
		return err
	}
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	v := views.ApplyReceiptView{Number: a.Number, Status: a.Status, AppliedAt: a.CreatedAt,
		NewFacility: a.IsNewFacility(), Settings: st}
	if a.Status.Open() && st.ContactReady() {
		base := receiptPath(c.Params("token"))
		v.MemberPDF = base + "/member.pdf"
		if a.IsNewFacility() {
			v.FacilityPDF = base + "/facility.pdf"
		}
	}
	return s.web.Render(c, "利用申込の受付", views.ApplyReceipt(v))
}

// receiptFormsClosed answers a form download after the review ended.
func receiptFormsClosed(a store.Application) error {
	return store.Errorf(store.ECONFLICT, "受付番号 %s の審査は終了しています（%s）。加入申込書を印刷する必要はありません。", a.Number, a.Status.Label())
}

// receiptFormsNotReady answers a form download while the mailing address
// is a placeholder: a form without it cannot be mailed.
func receiptFormsNotReady(st store.Settings) error {
	if st.ContactReady() {
		return nil
	}
	return store.Errorf(store.ECONFLICT, "申込書の送付先・お問合せ先が準備中のため、加入申込書はまだ印刷できません。運営者の設定が終わりしだい、このページから印刷できます。")
}

// applicationMemberFormFile is 「加入申込書（医療関係者用）」 as PDF.
func (s *Server) applicationMemberFormFile(c *fiber.Ctx) (web.File, error) {
	a, err := s.applicationOfReceipt(c)
	if err != nil {
		return web.File{}, err
	}
	if !a.Status.Open() {
		return web.File{}, receiptFormsClosed(a)
	}
	st, err := s.db.Settings()
	if err != nil {
		return web.File{}, err
	}
	if err := receiptFormsNotReady(st); err != nil {
		return web.File{}, err
	}
	return web.PDFFile("application-"+a.Number+"-member.pdf", "加入申込書（医療関係者用）"+a.Number+".pdf", func() ([]byte, error) {
		doc, err := s.applicationMemberForm(a)
		if err != nil {
			return nil, err
		}
		return doc.Render()
	}, nil), nil
}

// applicationFacilityFormFile is 「加入申込書（施設用）」 as PDF, for an
// application that registers a new facility (else 404).
func (s *Server) applicationFacilityFormFile(c *fiber.Ctx) (web.File, error) {
	a, err := s.applicationOfReceipt(c)
	if err != nil {
		return web.File{}, err
	}
	if !a.IsNewFacility() {
		return web.File{}, store.NotFound()
	}
	if !a.Status.Open() {
		return web.File{}, receiptFormsClosed(a)
	}
	st, err := s.db.Settings()
	if err != nil {
		return web.File{}, err
	}
	if err := receiptFormsNotReady(st); err != nil {
		return web.File{}, err
	}
	return web.PDFFile("application-"+a.Number+"-facility.pdf", "加入申込書（施設用）"+a.Number+".pdf", func() ([]byte, error) {
		return applicationFacilityForm(a, st).Render()
	}, nil), nil
}

// applicationMemberForm fills 「加入申込書（医療関係者用）」 from an application.
func (s *Server) applicationMemberForm(a store.Application) (pdf.ApplicationMemberForm, error) {
	st, err := s.db.Settings()
	if err != nil {
		return pdf.ApplicationMemberForm{}, err
	}
	doc := pdf.ApplicationMemberForm{
		Operator: pdf.OperatorOf(st), Number: a.Number, AppliedOn: warekiDate(a.CreatedAt),
		Name: a.Name, NameKana: a.NameKana, Qualification: a.Qualification.Label(), LicenseNumber: a.LicenseNumber,
		Email: a.Email, Phone: a.Phone, Terms: termsOf(a, st),
	}
	if !a.ConsentedAt.IsZero() {
		doc.ConsentedOn = warekiDate(a.ConsentedAt)
	}
	if a.IsNewFacility() {
		doc.FacilityName = a.NewFacility.Name
	} else {
		doc.FacilityOID = a.FacilityOID
		if f, err := s.db.Facility(a.FacilityOID); err == nil {
			doc.FacilityName = f.Name
		} else if store.ErrorCode(err) != store.ENOTFOUND {
			return doc, err
		}
	}
	return doc, nil
}

// applicationFacilityForm fills 「加入申込書（施設用）」.
func applicationFacilityForm(a store.Application, st store.Settings) pdf.ApplicationFacilityForm {
	nf := a.NewFacility
	return pdf.ApplicationFacilityForm{
		Operator: pdf.OperatorOf(st), Number: a.Number, AppliedOn: warekiDate(a.CreatedAt),
		FacilityName: nf.Name, FacilityKind: nf.Kind.Label(), FacilityCode: nf.Code,
		Postal: nf.Postal, Address: nf.Address, Phone: nf.Phone, ApplicantName: a.Name, Terms: termsOf(a, st),
	}
}

// termsOf names the versions of 利用規約 and 個人情報の取扱い the application
// agreed to: those of its consent, else those in force.
func termsOf(a store.Application, st store.Settings) string {
	tv, pv := a.TermsVersion, a.PrivacyVersion
	if a.ConsentedAt.IsZero() {
		tv, pv = st.TermsVersionNo(), st.PrivacyVersionNo()
	}
	return fmt.Sprintf("利用規約（第%d版）および個人情報の取扱い（第%d版）", tv, pv)
}
