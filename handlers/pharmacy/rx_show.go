package pharmacy

import (
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
	pharmacyviews "hotline/views/pharmacy"
)

// showPrescription is a prescription the pharmacy looked up, as printed,
// with its status, its dispensings and (when it may be dispensed) the
// dispensing form.
func (h *Handlers) showPrescription(c *fiber.Ctx) error {
	p, err := h.db.PharmacyPrescription(actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	today := store.JapanDate(h.db.Now()).Format("2006-01-02")
	form := views.NewForm(store.DispenseSpec, map[string]string{"dispensed_on": today})
	return h.renderPrescription(c, fiber.StatusOK, p, form)
}

// renderPrescription answers the prescription page with the dispensing
// form f (its messages after a refused post).
func (h *Handlers) renderPrescription(c *fiber.Ctx, status int, p store.PharmacyRx, f views.Form) error {
	v := pharmacyviews.RxView{Rx: p, Pharmacy: pharmacyName(c), Form: f, Flash: flash(c), Now: h.db.Now()}
	if p.Dispensable == nil {
		choices, err := h.db.DispenseChoices(p.Prescription)
		if err != nil {
			return err
		}
		v.Choices = choices
	}
	return h.web.RenderStatus(c, status, "処方箋 "+p.DisplayNumber(), pharmacyviews.Rx(v))
}
