package prs

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/store/jptext"
	"hotline/views"
	"hotline/views/pdf"
	prsviews "hotline/views/prs"
)

// patientLoginPath is the patient page's login, which the card names. The
// patient page is its own domain; until the server serves this path the
// card says the page is not open yet.
const patientLoginPath = "/patient/login"

// printPatientCard issues a new access code and answers the access card
// (患者様アクセスカード) as a PDF. The code is stored only as a hash, and only
// once the PDF is made: each printed card invalidates the earlier ones, so
// the form asks for a confirmation once a card was issued.
func (h *Handlers) printPatientCard(c *fiber.Ctx) error {
	st, err := h.db.Settings()
	if err != nil {
		return err
	}
	if !st.Ready() {
		return store.Errorf(store.ECONFLICT, "運営者の設定（%s）が終わっていないため、アクセスカードはまだ印刷できません。カードに印刷する患者様ページのアドレスや問合せ先が決まっていないためです。運営者にお問い合わせください。",
			strings.Join(st.Placeholders(), "、"))
	}
	if web.Unconfirmed(c, "confirm_card") {
		return h.renderPatient(c, fiber.StatusUnprocessableEntity, prsviews.PatientView{CardError: views.MsgConfirmFirst})
	}
	open := h.web.Serves(patientLoginPath)
	var doc []byte
	card, err := h.db.IssuePatientAccessCard(prsActor(c), patientParam(c), func(card store.PatientCard) error {
		var err error
		doc, err = pdf.PatientAccessCard{
			Operator:      pdf.OperatorOf(st),
			IssuedOn:      jptext.FormatWareki(card.IssuedAt.In(store.Tokyo)),
			PatientName:   card.Patient.Name,
			PatientID:     card.Patient.DisplayID(),
			AccessCode:    card.Code,
			FacilityName:  card.FacilityName,
			FacilityPhone: card.FacilityPhone,
			PatientURL:    strings.TrimSuffix(st.Portal(), "/") + patientLoginPath,
			PageNotOpen:   !open,
		}.Render()
		if err != nil {
			return store.Errorf(store.EINTERNAL, "access card: %v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The page that asked waits for this to know the card is issued.
	web.DownloadStarted(c)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="access-card-`+card.Patient.ID+`.pdf"`)
	return c.Send(doc)
}
