package rx

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// saveRx is POST /rx: issue (doctors), or draft=1 to save a draft; without
// JavaScript also add_line=1 (「行を追加」) and remove_line=N, which show
// the form again with one more or one less line and store nothing.
func (h *Handlers) saveRx(c *fiber.Ctx) error {
	a := actor(c)
	if _, err := h.db.RxRoleOf(a); err != nil {
		return err
	}
	f, err := parseComposer(c)
	if err != nil {
		return h.composerAgain(c, f, fiber.StatusUnprocessableEntity, err)
	}
	if web.Posted(c, "add_line") || c.FormValue("remove_line") != "" {
		if r := c.FormValue("remove_line"); r != "" {
			n, _ := strconv.Atoi(r)
			f.Lines.Order = slices.DeleteFunc(f.Lines.Order, func(i int) bool { return i == n })
		}
		// add_line: the page comes back with fresh spare lines after the
		// ones posted (the posted spares included).
		return h.composerAgain(c, f, fiber.StatusOK, nil)
	}
	var p store.Prescription
	done := "rx-issued"
	if web.Posted(c, "draft") {
		p, err = h.db.SaveRxDraft(a, f.Form)
		done = "rx-draft"
	} else {
		p, err = h.db.IssuePrescription(a, f.Form)
	}
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		return h.composerAgain(c, f, fiber.StatusUnprocessableEntity, err)
	}
	return web.Redirect(c, "/rx/"+p.ID+"?done="+done)
}

// composerAgain shows the posted composer again (with messages).
func (h *Handlers) composerAgain(c *fiber.Ctx, f composerForm, status int, errs error) error {
	if f.Values == nil {
		f.Values = web.Bind(c, store.RxSpec)
	}
	pid, err := store.NormalizePatientID(f.Values["patient_id"])
	if err != nil || pid == "" {
		if errs != nil {
			return errs
		}
		return store.NotFound()
	}
	p, err := h.db.ComposerPatient(actor(c), pid)
	if err != nil {
		return err
	}
	return h.renderComposer(c, status, composerState{patient: p, values: f.Values, order: f.Lines.Order,
		draftID: c.FormValue("draft_id"), errs: errs})
}
