package referral

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views/pdf"
)

// letterFile is /referrals/{id}.pdf, 診療情報提供書 (別紙様式11): for those who
// see the letter, once sent; the printing is audited once the file is made.
func (h *Handlers) letterFile(c *fiber.Ctx) (web.File, error) {
	a := actor(c)
	r, err := h.db.ReferralForPrint(a, letterID(c), false)
	if err != nil {
		return web.File{}, err
	}
	op, err := h.operator()
	if err != nil {
		return web.File{}, err
	}
	return web.PDFFile("referral-"+r.ID+".pdf", "診療情報提供書_"+r.ID+".pdf",
		func() ([]byte, error) { return pdf.RenderReferralLetter(letterOf(r, op)) },
		func() error { return h.db.AuditReferralPrint(a, r, false) }), nil
}

// replyFile is /referrals/{id}/reply.pdf, the 返書 (紹介患者経過報告書).
func (h *Handlers) replyFile(c *fiber.Ctx) (web.File, error) {
	a := actor(c)
	r, err := h.db.ReferralForPrint(a, letterID(c), true)
	if err != nil {
		return web.File{}, err
	}
	op, err := h.operator()
	if err != nil {
		return web.File{}, err
	}
	return web.PDFFile("referral-"+r.ID+"-reply.pdf", "返書_"+r.ID+".pdf",
		func() ([]byte, error) { return pdf.RenderReferralReply(replyOf(r, op)) },
		func() error { return h.db.AuditReferralPrint(a, r, true) }), nil
}

func (h *Handlers) operator() (pdf.Operator, error) {
	st, err := h.db.Settings()
	if err != nil {
		return pdf.Operator{}, err
	}
	return pdf.OperatorOf(st), nil
}

// day is the calendar day of t in Japan.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(store.Tokyo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func patientOf(p store.ReferralPatient) pdf.ReferralPatient {
	sex := ""
	switch p.Sex {
	case store.SexMale:
		sex = "男"
	case store.SexFemale:
		sex = "女"
	}
	return pdf.ReferralPatient{Name: p.Name, Kana: p.NameKana, Sex: sex, BirthDate: p.BirthDate, Address: p.Address,
		Phone: p.Phone, Occupation: p.Occupation}
}

// letterOf copies what the letter holds into the printed form.
func letterOf(r store.Referral, op pdf.Operator) pdf.ReferralLetter {
	l := pdf.ReferralLetter{Operator: op, ID: r.ID, Date: day(r.Date()), Draft: !r.Sent(),
		To: pdf.ReferralAddressee{Facility: r.To.FacilityName, Department: r.To.Department, Doctor: r.To.DoctorName()},
		From: pdf.Facility{Name: r.From.FacilityName, Postal: r.From.Postal, Address: r.From.Address, Phone: r.From.Phone,
			Code: r.From.Code, Department: r.From.Department, Doctor: r.From.MemberName},
		Patient:   patientOf(r.Patient),
		Diagnosis: r.Diagnosis, Purpose: r.Purpose, History: r.History, Course: r.Course,
		Treatment: r.Treatment, Medication: r.Medication, Remarks: r.Remarks}
	if r.Corrects != "" {
		l.Corrects = pdf.ReferralRef{ID: r.Corrects}
	}
	for _, a := range r.Attachments {
		l.Attachments = append(l.Attachments, a.Name)
	}
	for _, x := range r.Records {
		l.Records = append(l.Records, pdf.ReferralRecord{ID: x.ID, Title: x.Title, Kind: x.Kind.Label(), On: x.RecordedOn, Version: x.Version})
	}
	return l
}

// replyOf is the 返書 to the referring doctor.
func replyOf(r store.Referral, op pdf.Operator) pdf.ReferralReply {
	rp := r.Reply
	return pdf.ReferralReply{Operator: op, Letter: pdf.ReferralRef{ID: r.ID, Date: day(r.SentAt)}, Date: day(rp.RepliedAt),
		To:      pdf.ReferralAddressee{Facility: r.From.FacilityName, Department: r.From.Department, Doctor: r.From.MemberName},
		From:    pdf.Facility{Name: rp.FacilityName, Address: rp.Address, Phone: rp.Phone, Code: rp.Code, Doctor: rp.MemberName},
		Patient: patientOf(r.Patient), VisitedOn: rp.VisitedOn, Findings: rp.Findings, Plan: rp.Plan, Body: rp.Body}
}
