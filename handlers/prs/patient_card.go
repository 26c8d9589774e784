package prs

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/store/jptext"
	"hotline/views/pdf"
)

// printPatientCard issues a new access code and answers the access card
// (患者様アクセスカード) as a PDF. The code is stored only as a hash, and only
// once the PDF is made: each printed card invalidates the earlier ones.
func (h *Handlers) printPatientCard(c *fiber.Ctx) error {
	st, err := h.db.Settings()
	if err != nil {
		return err
	}
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
			PatientURL:    strings.TrimSuffix(st.PortalURL, "/") + "/patient/login",
		}.Render()
		if err != nil {
			return store.Errorf(store.EINTERNAL, "access card: %v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="access-card-`+card.Patient.ID+`.pdf"`)
	return c.Send(doc)
}
