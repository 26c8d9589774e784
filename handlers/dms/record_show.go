package dms

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

// showRecord is a record's page: the current version, the history and,
// for the writing facility, disclosures and actions. The view is audited
// before the page is answered; anyone not entitled gets 404.
func (h *Handlers) showRecord(c *fiber.Ctx) error {
	return h.renderRecord(c, fiber.StatusOK, 0, dmsviews.RecordView{Flash: dmsFlash(c)})
}

// showRecordVersion is an old version of a record, in full.
func (h *Handlers) showRecordVersion(c *fiber.Ctx) error {
	v := intParam(c, "v")
	if v == 0 {
		return store.NotFound()
	}
	return h.renderRecord(c, fiber.StatusOK, v, dmsviews.RecordView{})
}

func (h *Handlers) renderRecord(c *fiber.Ctx, status, version int, v dmsviews.RecordView) error {
	page, err := h.db.ViewRecord(actor(c), recordParam(c), version)
	if err != nil {
		return err
	}
	v.Page = page
	if v.Withdraw.Spec == nil {
		v.Withdraw = views.NewForm(store.WithdrawFields, nil)
	}
	if v.Disclose.Spec == nil {
		v.Disclose = views.NewForm(dmsviews.DisclosureFields, nil)
	}
	v.PRSOpen = h.web.Serves("/prs/patients/:id")
	title := page.Shown.Title + "（医療記録）"
	return h.web.RenderStatus(c, status, title, dmsviews.RecordPage(v))
}

// showRecordAttachment streams file n of a record (any version) with its
// stored type, its name in Content-Disposition, nosniff and a sandbox CSP.
// The view is audited before the first byte; HEAD checks and answers the
// headers without reading or auditing.
func (h *Handlers) showRecordAttachment(c *fiber.Ctx) error {
	a, id, n := actor(c), recordParam(c), intParam(c, "n")
	if c.Method() == fiber.MethodHead {
		r, err := h.db.HeadRecordAttachment(a, id, n)
		if err != nil {
			return err
		}
		return web.SendAttachment(c, r)
	}
	r, _, err := h.db.OpenRecordAttachment(a, id, n)
	if err != nil {
		return err
	}
	return web.SendAttachment(c, r)
}
