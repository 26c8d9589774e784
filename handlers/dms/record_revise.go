package dms

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	dmsviews "hotline/views/dms"
)

// showReviseRecord is the revision form, filled with the current version.
// Only the writing facility revises (a recipient gets 403).
func (h *Handlers) showReviseRecord(c *fiber.Ctx) error {
	page, err := h.ownRecord(c)
	if err != nil {
		return err
	}
	cur := page.Current
	values := map[string]string{"patient_id": page.PatientID, "kind": string(cur.Kind), "title": cur.Title,
		"body": cur.Body, "recorded_on": cur.RecordedOnString()}
	return h.web.Render(c, "記録の修正", dmsviews.RecordForm(dmsviews.FormView{Form: recordForm(values),
		Patient: page.Patient, Record: &page.Record}))
}

// ownRecord reads the record for a change: 404 for who may not see it,
// 403 for a recipient, 409 once withdrawn.
func (h *Handlers) ownRecord(c *fiber.Ctx) (store.RecordPage, error) {
	page, err := h.db.ViewRecord(actor(c), recordParam(c), 0)
	if err != nil {
		return page, err
	}
	if !page.Own {
		return page, store.Errorf(store.EFORBIDDEN, "この操作は記録を作成した施設だけが行えます（公開先の施設では閲覧のみできます）")
	}
	if page.Withdrawn() {
		return page, store.Errorf(store.ECONFLICT, "この記録は取り下げられています")
	}
	return page, nil
}

// reviseRecord writes a new version → 303 to the record.
func (h *Handlers) reviseRecord(c *fiber.Ctx) error {
	a, id := actor(c), recordParam(c)
	f, files, uerr := postedForm(c)
	defer files.Close()
	page, err := h.ownRecord(c)
	if err != nil {
		return err
	}
	if f.PatientID != "" {
		if norm, nerr := store.NormalizePatientID(f.PatientID); nerr != nil || norm != page.PatientID {
			return store.NotFound()
		}
	}
	if uerr != nil {
		return h.invalidRecordForm(c, formErrors(f, uerr), page.Patient, &page.Record, f)
	}
	base, _ := strconv.Atoi(c.FormValue("version"))
	if _, err := h.db.ReviseRecord(a, id, base, f); err != nil {
		return h.invalidRecordForm(c, err, page.Patient, &page.Record, f)
	}
	return web.Redirect(c, dmsviews.RecordURL(id)+"?done=dms-revised")
}
