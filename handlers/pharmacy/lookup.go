package pharmacy

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	pharmacyviews "hotline/views/pharmacy"
)

const lookupTitle = "処方箋の照会"

// showLookup is the lookup form (照会番号 and 生年月日).
func (h *Handlers) showLookup(c *fiber.Ctx) error {
	return h.web.Render(c, lookupTitle, pharmacyviews.Lookup(pharmacyviews.LookupView{
		Pharmacy: pharmacyName(c), Form: views.NewForm(store.RxLookupSpec, nil)}))
}

// lookupPrescription finds the prescription and sends the pharmacy to it.
// An unknown number and a wrong birth date get the same 404 with the form
// again; throttled like the login (429 with Retry-After).
func (h *Handlers) lookupPrescription(c *fiber.Ctx) error {
	v := web.Bind(c, store.RxLookupSpec)
	id, err := h.db.LookupPrescription(actor(c), v["number"], v["birth_date"])
	if err == nil {
		return web.Redirect(c, "/pharmacy/rx/"+id)
	}
	show := func(err error) error {
		return h.web.InvalidForm(c, err, lookupTitle, func(f views.Form) templ.Component {
			return pharmacyviews.Lookup(pharmacyviews.LookupView{Pharmacy: pharmacyName(c), Form: f})
		}, views.NewForm(store.RxLookupSpec, v))
	}
	if store.ErrorCode(err) == store.ETHROTTLED {
		return h.web.Throttled(c, store.RetryAt(err), show, err)
	}
	return show(err)
}
