package dms

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

// withdrawRecord withdraws (取り下げ) a record with a reason → 303.
func (h *Handlers) withdrawRecord(c *fiber.Ctx) error {
	id := recordParam(c)
	reason := c.FormValue("reason")
	if _, err := h.db.WithdrawRecord(actor(c), id, reason); err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		f := views.NewForm(store.WithdrawFields, map[string]string{"reason": reason})
		f.Errors = store.ErrorFields(err)
		return h.renderRecord(c, fiber.StatusUnprocessableEntity, 0, dmsviews.RecordView{Withdraw: f})
	}
	return web.Redirect(c, dmsviews.RecordURL(id)+"?done=dms-withdrawn")
}
