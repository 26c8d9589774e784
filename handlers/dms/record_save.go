package dms

import (
	"maps"
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	dmsviews "hotline/views/dms"
)

// postedForm reads the record form: its text fields, the files of
// attachment (checked by content; a refused file is an EINVALID error on
// attachment) and the remove boxes of a revision.
func postedForm(c *fiber.Ctx) (store.RecordForm, web.Uploads, error) {
	f := store.RecordFormFrom(web.Bind(c, store.RecordFields))
	for _, s := range web.PostedValues(c, "remove") {
		if n, err := strconv.Atoi(s); err == nil {
			f.Remove = append(f.Remove, n)
		}
	}
	files, err := web.FormUploads(c, "attachment")
	f.Files = files
	return f, files, err
}

// formErrors joins the refused files' message with the text fields' own,
// so the form shows everything wrong at once.
func formErrors(f store.RecordForm, uploadErr error) error {
	fe := store.FieldErrors{}
	maps.Copy(fe, store.ErrorFields(f.Check()))
	maps.Copy(fe, store.ErrorFields(uploadErr))
	if len(fe) == 0 {
		return uploadErr
	}
	return fe.Err()
}

// saveRecord stores a new record with its files → 303 to the record.
func (h *Handlers) saveRecord(c *fiber.Ctx) error {
	a := actor(c)
	f, files, uerr := postedForm(c)
	defer files.Close()
	// Who the record is about is checked first: a forged or foreign
	// patient ID is 404 whatever else is wrong.
	p, err := h.db.RecordPatient(a, f.PatientID)
	if err != nil {
		return err
	}
	if uerr != nil {
		return h.invalidRecordForm(c, formErrors(f, uerr), p, nil, f)
	}
	r, err := h.db.CreateRecord(a, f)
	if err != nil {
		return h.invalidRecordForm(c, err, p, nil, f)
	}
	return web.Redirect(c, dmsviews.RecordURL(r.ID)+"?done=dms-created")
}

// invalidRecordForm shows the form again with its messages (422); other
// errors go to the error page.
func (h *Handlers) invalidRecordForm(c *fiber.Ctx, err error, p store.Patient, rec *store.Record, f store.RecordForm) error {
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	title := "記録を作成"
	if rec != nil {
		title = "記録の修正"
	}
	values := f.Values()
	values["patient_id"] = p.ID
	return h.web.InvalidForm(c, err, title, func(form views.Form) templ.Component {
		return dmsviews.RecordForm(dmsviews.FormView{Form: form, Patient: p, Record: rec})
	}, recordForm(values))
}
