package dms

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

// showRecordList is /dms: the facility's records and those disclosed to
// it, newest first, filtered by patient, kind and date; an htmx request
// from the filter form gets the table only.
func (h *Handlers) showRecordList(c *fiber.Ctx) error {
	c.Vary("HX-Request")
	values := map[string]string{}
	for _, n := range store.RecordQueryFields.Names() {
		values[n] = c.Query(n)
	}
	q := store.RecordQuery{PatientID: values["patient"], Kind: values["kind"], From: values["from"], To: values["to"], Before: c.Query("before")}
	v := dmsviews.ListView{FacilityName: facilityName(c), Filter: views.NewForm(store.RecordQueryFields, values),
		First: q.Before != "", Flash: dmsFlash(c)}
	page, err := h.db.ListRecords(actor(c), q)
	status := fiber.StatusOK
	switch store.ErrorCode(err) {
	case "":
		v.Page = page
	case store.EINVALID:
		v.Filter.Errors = store.ErrorFields(err)
		status = fiber.StatusUnprocessableEntity
	default:
		return err
	}
	if web.IsHTMX(c) && c.Get("HX-Target") == "record-results" {
		c.Status(status)
		return h.web.Partial(c, dmsviews.Results(v))
	}
	return h.web.RenderStatus(c, status, "医療記録", dmsviews.List(v))
}
