package prs

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	prsviews "hotline/views/prs"
)

// patientForm is the registration and edit form with its spec.
func patientForm(values map[string]string) views.Form {
	return views.NewForm(store.PatientSpec, values)
}

// patientFormFromRequest binds the registration and edit form.
func patientFormFromRequest(c *fiber.Ctx) store.PatientForm {
	return store.PatientFormFrom(web.Bind(c, store.PatientSpec))
}

// showNewPatient is 新規登録.
func (h *Handlers) showNewPatient(c *fiber.Ctx) error {
	return h.web.Render(c, "新規登録", prsviews.PatientFormPage(prsviews.PatientFormView{Nav: h.prsNav(c, "new"),
		Form: patientForm(map[string]string{}), Now: h.db.Now()}))
}

// savePatient registers a patient: 303 to the patient's page, or the form
// again with its messages (422), including the likely-duplicate warning
// until confirm_duplicate=1.
func (h *Handlers) savePatient(c *fiber.Ctx) error {
	f := patientFormFromRequest(c)
	p, err := h.db.RegisterPatient(prsActor(c), f)
	if err != nil {
		v := prsviews.PatientFormView{Nav: h.prsNav(c, "new"), Now: h.db.Now()}
		return h.patientFormError(c, err, "新規登録", v, f)
	}
	return web.Redirect(c, "/prs/patients/"+p.ID)
}

// patientFormError shows the form again with what went wrong.
func (h *Handlers) patientFormError(c *fiber.Ctx, err error, title string, v prsviews.PatientFormView, f store.PatientForm) error {
	if d, ok := store.AsDuplicate(err); ok {
		v.Duplicates = d.Candidates
	}
	values := f.Values()
	delete(values, "confirm_duplicate")
	return h.web.InvalidForm(c, err, title, func(form views.Form) templ.Component {
		v.Form = form
		return prsviews.PatientFormPage(v)
	}, patientForm(values))
}

// patientParam is the patient ID of the URL in its stored form ("" when it
// is not one).
func patientParam(c *fiber.Ctx) string {
	id, err := store.NormalizePatientID(c.Params("id"))
	if err != nil {
		return ""
	}
	return id
}

// showEditPatient is 修正 (registering facility only).
func (h *Handlers) showEditPatient(c *fiber.Ctx) error {
	rec, err := h.db.ViewPatient(prsActor(c), patientParam(c))
	if err != nil {
		return err
	}
	if err := editable(rec); err != nil {
		return err
	}
	return h.web.Render(c, "患者情報の修正", prsviews.PatientFormPage(prsviews.PatientFormView{Nav: h.prsNav(c, "patients"),
		Form: patientForm(store.FormFromPatient(rec.Patient).Values()), Edit: true, Patient: rec.Patient, Now: h.db.Now()}))
}

func editable(rec store.PatientRecord) error {
	if !rec.Home {
		return store.Errorf(store.EFORBIDDEN, "この操作は患者様を登録した施設だけが行えます（連携先の施設では閲覧のみできます）")
	}
	if !rec.Patient.Active() {
		return store.Errorf(store.ECONFLICT, "この患者様は無効になっています。再度有効にしてから修正してください")
	}
	return nil
}

// updatePatient saves an edit as a new version. The form's version is
// required: missing or not a number, the store refuses it (422).
func (h *Handlers) updatePatient(c *fiber.Ctx) error {
	a, id := prsActor(c), patientParam(c)
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		version = 0 // none (Atoi gives MaxInt for an overlong number)
	}
	f := patientFormFromRequest(c)
	p, err := h.db.UpdatePatient(a, id, version, f)
	if err == nil {
		return web.Redirect(c, "/prs/patients/"+p.ID+"?done=prs-updated")
	}
	// Only field errors get the form again: it carries the current
	// version, so an edit refused for its version (none sent) gets the
	// error page and must be opened afresh.
	if store.ErrorCode(err) != store.EINVALID || len(store.ErrorFields(err)) == 0 {
		return err
	}
	rec, rerr := h.db.ViewPatient(a, id)
	if rerr != nil {
		return rerr
	}
	v := prsviews.PatientFormView{Nav: h.prsNav(c, "patients"), Edit: true, Patient: rec.Patient, Now: h.db.Now()}
	return h.patientFormError(c, err, "患者情報の修正", v, f)
}

// setPatientActive deactivates or reactivates a patient (never deleted).
func (h *Handlers) setPatientActive(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := h.db.SetPatientActive(prsActor(c), patientParam(c), active, c.FormValue("reason"))
		if err != nil {
			return err
		}
		done := "prs-reactivated"
		if !active {
			done = "prs-deactivated"
		}
		return web.Redirect(c, "/prs/patients/"+p.ID+"?done="+done)
	}
}
