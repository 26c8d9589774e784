package rx

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	rxviews "hotline/views/rx"
)

// showRx is the prescriber's page of one prescription (its facility
// only; the view is audited before the page is answered).
func (h *Handlers) showRx(c *fiber.Ctx) error {
	return h.renderRx(c, fiber.StatusOK, views.NewForm(store.RxCancelSpec, nil))
}

func (h *Handlers) renderRx(c *fiber.Ctx, status int, cancel views.Form) error {
	a := actor(c)
	role, err := h.db.RxRoleOf(a)
	if err != nil {
		return err
	}
	p, err := h.db.Prescription(a, c.Params("id"))
	if err != nil {
		return err
	}
	now := h.db.Now()
	return h.web.RenderStatus(c, status, "処方箋 "+p.PatientName+" 様", rxviews.Show(rxviews.RxView{Rx: p, Status: p.StatusOn(now),
		CanIssue: role.CanIssue, Flash: rxFlash(c), Cancel: cancel, Now: now}))
}

// cancelRx is POST /rx/{id}/cancel (reason): the prescription stays,
// marked 取消.
func (h *Handlers) cancelRx(c *fiber.Ctx) error {
	reason := c.FormValue("reason")
	p, err := h.db.CancelPrescription(actor(c), c.Params("id"), reason)
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		f := views.NewForm(store.RxCancelSpec, map[string]string{"reason": reason})
		f.Errors = store.ErrorFields(err)
		return h.renderRx(c, fiber.StatusUnprocessableEntity, f)
	}
	return web.Redirect(c, "/rx/"+p.ID+"?done=rx-cancelled")
}
