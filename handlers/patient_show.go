package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

func linkForm(values map[string]string) views.Form {
	return views.Form{Values: values, Labels: store.LinkLabels, Order: store.LinkFields}
}

// showPatient is a patient's page: the full record, links and history for
// the registering facility; what identifies the patient for a linked one;
// 404 for everyone else.
func (s *Server) showPatient(c *fiber.Ctx) error {
	rec, err := s.db.ViewPatient(prsActor(c), patientParam(c))
	if err != nil {
		return err
	}
	today := s.db.Now().In(store.Tokyo).Format("2006-01-02")
	return s.render(c, rec.Patient.Name+" 様", views.PatientPage(views.PatientView{Nav: s.prsNav(c, "patients"), Rec: rec,
		LinkForm: linkForm(map[string]string{"consent_date": today}), Flash: prsFlash(c), Now: s.db.Now()}))
}

// savePatientLink links the patient to another facility with the
// patient's consent.
func (s *Server) savePatientLink(c *fiber.Ctx) error {
	a, id := prsActor(c), patientParam(c)
	f := store.LinkForm{FacilityOID: c.FormValue("facility_oid"), Consent: c.FormValue("consent"),
		ConsentMethod: c.FormValue("consent_method"), ConsentDate: c.FormValue("consent_date")}
	_, err := s.db.LinkPatient(a, id, f)
	if err == nil {
		return redirect(c, "/prs/patients/"+id+"?done=prs-linked")
	}
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	rec, rerr := s.db.ViewPatient(a, id)
	if rerr != nil {
		return rerr
	}
	values := map[string]string{"facility_oid": f.FacilityOID, "consent": f.Consent, "consent_method": f.ConsentMethod, "consent_date": f.ConsentDate}
	return s.invalidForm(c, err, rec.Patient.Name+" 様", func(form views.Form) templ.Component {
		return views.PatientPage(views.PatientView{Nav: s.prsNav(c, "patients"), Rec: rec, LinkForm: form, Now: s.db.Now()})
	}, linkForm(values))
}

// revokePatientLink unlinks (consent withdrawn); the link stays in the
// history.
func (s *Server) revokePatientLink(c *fiber.Ctx) error {
	id := patientParam(c)
	if err := s.db.UnlinkPatient(prsActor(c), id, c.Params("oid"), c.FormValue("reason")); err != nil {
		return err
	}
	return redirect(c, "/prs/patients/"+id+"?done=prs-unlinked")
}
