package handlers

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

func patientForm(values map[string]string) views.Form {
	return views.Form{Values: values, Labels: store.PatientLabels, Order: store.PatientFields}
}

// patientFormFromRequest reads the registration and edit form.
func patientFormFromRequest(c *fiber.Ctx) store.PatientForm {
	return store.PatientForm{
		Name: c.FormValue("name"), NameKana: c.FormValue("name_kana"), BirthDate: c.FormValue("birth_date"),
		Sex: c.FormValue("sex"), ChartNumber: c.FormValue("chart_number"), InsurerNumber: c.FormValue("insurer_number"),
		InsuredSymbol: c.FormValue("insured_symbol"), InsuredNumber: c.FormValue("insured_number"),
		InsuredBranch: c.FormValue("insured_branch"), Postal: c.FormValue("postal"), Address: c.FormValue("address"),
		Phone: c.FormValue("phone"), Allergies: c.FormValue("allergies"), Notes: c.FormValue("notes"),
		ConfirmDuplicate: c.FormValue("confirm_duplicate") == "1" || c.FormValue("confirm_duplicate") == "on",
	}
}

// showNewPatient is 新規登録.
func (s *Server) showNewPatient(c *fiber.Ctx) error {
	return s.render(c, "新規登録", views.PatientFormPage(views.PatientFormView{Nav: s.prsNav(c, "new"),
		Form: patientForm(map[string]string{}), Now: s.db.Now()}))
}

// savePatient registers a patient: 303 to the patient's page, or the form
// again with its messages (422), including the likely-duplicate warning
// until confirm_duplicate=1.
func (s *Server) savePatient(c *fiber.Ctx) error {
	f := patientFormFromRequest(c)
	p, err := s.db.RegisterPatient(prsActor(c), f)
	if err != nil {
		v := views.PatientFormView{Nav: s.prsNav(c, "new"), Now: s.db.Now()}
		return s.patientFormError(c, err, "新規登録", v, f)
	}
	return redirect(c, "/prs/patients/"+p.ID)
}

// patientFormError shows the form again with what went wrong.
func (s *Server) patientFormError(c *fiber.Ctx, err error, title string, v views.PatientFormView, f store.PatientForm) error {
	if d, ok := store.AsDuplicate(err); ok {
		v.Duplicates = d.Candidates
	}
	values := f.Values()
	delete(values, "confirm_duplicate")
	return s.invalidForm(c, err, title, func(form views.Form) templ.Component {
		v.Form = form
		return views.PatientFormPage(v)
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
func (s *Server) showEditPatient(c *fiber.Ctx) error {
	rec, err := s.db.ViewPatient(prsActor(c), patientParam(c))
	if err != nil {
		return err
	}
	if err := editable(rec); err != nil {
		return err
	}
	return s.render(c, "患者情報の修正", views.PatientFormPage(views.PatientFormView{Nav: s.prsNav(c, "patients"),
		Form: patientForm(store.FormFromPatient(rec.Patient).Values()), Edit: true, Patient: rec.Patient, Now: s.db.Now()}))
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
func (s *Server) updatePatient(c *fiber.Ctx) error {
	a, id := prsActor(c), patientParam(c)
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		version = 0 // none (Atoi gives MaxInt for an overlong number)
	}
	f := patientFormFromRequest(c)
	p, err := s.db.UpdatePatient(a, id, version, f)
	if err == nil {
		return redirect(c, "/prs/patients/"+p.ID+"?done=prs-updated")
	}
	// Only field errors get the form again: it carries the current
	// version, so an edit refused for its version (none sent) gets the
	// error page and must be opened afresh.
	if store.ErrorCode(err) != store.EINVALID || len(store.ErrorFields(err)) == 0 {
		return err
	}
	rec, rerr := s.db.ViewPatient(a, id)
	if rerr != nil {
		return rerr
	}
	v := views.PatientFormView{Nav: s.prsNav(c, "patients"), Edit: true, Patient: rec.Patient, Now: s.db.Now()}
	return s.patientFormError(c, err, "患者情報の修正", v, f)
}

// setPatientActive deactivates or reactivates a patient (never deleted).
func (s *Server) setPatientActive(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.db.SetPatientActive(prsActor(c), patientParam(c), active, c.FormValue("reason"))
		if err != nil {
			return err
		}
		done := "prs-reactivated"
		if !active {
			done = "prs-deactivated"
		}
		return redirect(c, "/prs/patients/"+p.ID+"?done="+done)
	}
}
