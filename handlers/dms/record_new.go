package dms

import (
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

func recordForm(values map[string]string) views.Form {
	f := views.NewForm(store.RecordFields, values)
	f.Order = append(f.Order, "attachment")
	f.Labels["attachment"] = "添付ファイル"
	return f
}

// showNewRecord is 記録を作成 for ?patient=; without one it asks for the
// patient ID. A patient the facility may not see, or an ID that names
// nobody, is 404.
func (h *Handlers) showNewRecord(c *fiber.Ctx) error {
	id := c.Query("patient")
	if id == "" {
		return h.web.Render(c, "記録を作成", dmsviews.ChoosePatient(dmsviews.FormView{Form: views.NewForm(nil, nil)}))
	}
	p, err := h.db.RecordPatient(actor(c), id)
	if err != nil {
		return err
	}
	today := h.db.Now().In(store.Tokyo).Format("2006-01-02")
	return h.web.Render(c, "記録を作成", dmsviews.RecordForm(dmsviews.FormView{Patient: p,
		Form: recordForm(map[string]string{"recorded_on": today, "patient_id": p.ID})}))
}
