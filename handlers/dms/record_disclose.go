package dms

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

// saveDisclosure discloses the record to the patient or to a facility →
// 303 to the record. A facility the patient is not linked to by consent
// answers 409 with the reason and a link to the PRS link step.
func (h *Handlers) saveDisclosure(c *fiber.Ctx) error {
	id := recordParam(c)
	to, oid := c.FormValue("to"), c.FormValue("facility_oid")
	_, err := h.db.DiscloseRecord(actor(c), id, store.DisclosureTarget(to), oid)
	if err == nil {
		return web.Redirect(c, dmsviews.RecordURL(id)+"?done=dms-disclosed")
	}
	if nl, ok := store.AsNotLinked(err); ok {
		return h.renderRecord(c, fiber.StatusConflict, 0, dmsviews.RecordView{NotLinked: nl})
	}
	switch store.ErrorCode(err) {
	case store.EINVALID, store.ECONFLICT:
		f := views.NewForm(dmsviews.DisclosureFields, map[string]string{"to": to, "facility_oid": oid})
		f.Errors = store.ErrorFields(err)
		if len(f.Errors) == 0 {
			f.Message = store.ErrorMessage(err)
		}
		return h.renderRecord(c, web.StatusOf(store.ErrorCode(err)), 0, dmsviews.RecordView{Disclose: f})
	}
	return err
}

// revokeDisclosure ends a disclosure → 303 to the record.
func (h *Handlers) revokeDisclosure(c *fiber.Ctx) error {
	id, n := recordParam(c), intParam(c, "d")
	if _, err := h.db.RevokeDisclosure(actor(c), id, n, c.FormValue("reason")); err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		return h.renderRecord(c, fiber.StatusUnprocessableEntity, 0, dmsviews.RecordView{RevokeN: n, RevokeError: store.ErrorFields(err)["reason"]})
	}
	return web.Redirect(c, dmsviews.RecordURL(id)+"?done=dms-revoked")
}
