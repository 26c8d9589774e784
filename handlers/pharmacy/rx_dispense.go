package pharmacy

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// dispensePrescription records a dispensing (調剤済). A cancelled, expired
// or used-up prescription answers 409 with the page saying why; a form
// with mistakes answers 422 with the messages beside the fields.
func (h *Handlers) dispensePrescription(c *fiber.Ctx) error {
	a, id := actor(c), c.Params("id")
	f := dispenseFormOf(c)
	_, err := h.db.DispensePrescription(a, id, f)
	if err == nil {
		return web.Redirect(c, "/pharmacy/rx/"+id+"?done=dispensed")
	}
	code := store.ErrorCode(err)
	if code != store.EINVALID && code != store.ECONFLICT {
		return err
	}
	// The page again: 409 shows the prescription as it now stands, 422
	// the form with its messages.
	p, perr := h.db.PharmacyPrescription(a, id)
	if perr != nil {
		return perr
	}
	f.Lines = f.Lines[:min(len(f.Lines), len(p.Lines()))]
	form := views.NewForm(store.DispenseSpec, f.Values())
	form.Errors = store.ErrorFields(err)
	if len(form.Errors) == 0 {
		form.Message = store.ErrorMessage(err)
	}
	return h.renderPrescription(c, web.StatusOf(code), p, form)
}

// dispenseFormOf reads the posted form: the per-line choice for at most
// the lines a prescription can have (an index beyond them is never read,
// so a post naming lines[999999999] allocates nothing for it).
func dispenseFormOf(c *fiber.Ctx) store.DispenseForm {
	v := web.Bind(c, store.DispenseSpec)
	f := store.DispenseForm{DispensedOn: v["dispensed_on"], Note: v["note"], Lines: make([]string, store.RxMaxLines)}
	for i := range f.Lines {
		f.Lines[i] = c.FormValue(store.RxLineField(i, store.DispenseLineField))
	}
	return f
}
