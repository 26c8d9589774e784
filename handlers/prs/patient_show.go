package prs

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	prsviews "hotline/views/prs"
)

func linkForm(values map[string]string) views.Form {
	return views.NewForm(store.LinkSpec, values)
}

// showPatient is a patient's page: the full record, links and history for
// the registering facility; what identifies the patient for a linked one;
// 404 for everyone else.
func (h *Handlers) showPatient(c *fiber.Ctx) error {
	return h.renderPatient(c, fiber.StatusOK, prsviews.PatientView{Flash: prsFlash(c)})
}

// renderPatient shows the patient's page with v's flash or messages (a
// confirmation box left unticked: 422).
func (h *Handlers) renderPatient(c *fiber.Ctx, status int, v prsviews.PatientView) error {
	rec, err := h.db.ViewPatient(prsActor(c), patientParam(c))
	if err != nil {
		return err
	}
	today := h.db.Now().In(store.Tokyo).Format("2006-01-02")
	v.Nav, v.Rec, v.Now = h.prsNav(c, "patients"), rec, h.db.Now()
	v.LinkForm = linkForm(map[string]string{"consent_date": today})
	v.PatientPageOpen = h.web.Serves(patientLoginPath)
	v.RecordsOpen = h.web.Serves("/dms")
	return h.web.RenderStatus(c, status, rec.Patient.Name+" 様", prsviews.PatientPage(v))
}

// savePatientLink links the patient to another facility with the
// patient's consent.
func (h *Handlers) savePatientLink(c *fiber.Ctx) error {
	a, id := prsActor(c), patientParam(c)
	f := store.LinkFormFrom(web.Bind(c, store.LinkSpec))
	_, err := h.db.LinkPatient(a, id, f)
	if err == nil {
		return web.Redirect(c, "/prs/patients/"+id+"?done=prs-linked")
	}
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	rec, rerr := h.db.ViewPatient(a, id)
	if rerr != nil {
		return rerr
	}
	values := f.Values()
	return h.web.InvalidForm(c, err, rec.Patient.Name+" 様", func(form views.Form) templ.Component {
		return prsviews.PatientPage(prsviews.PatientView{Nav: h.prsNav(c, "patients"), Rec: rec, LinkForm: form, Now: h.db.Now(),
			PatientPageOpen: h.web.Serves(patientLoginPath), RecordsOpen: h.web.Serves("/dms")})
	}, linkForm(values))
}

// revokePatientLink unlinks (consent withdrawn); the link stays in the
// history.
func (h *Handlers) revokePatientLink(c *fiber.Ctx) error {
	id := patientParam(c)
	if web.Unconfirmed(c, "confirm_unlink") {
		return h.renderPatient(c, fiber.StatusUnprocessableEntity, prsviews.PatientView{UnlinkOID: c.Params("oid"), UnlinkError: views.MsgConfirmFirst})
	}
	if err := h.db.UnlinkPatient(prsActor(c), id, c.Params("oid"), c.FormValue("reason")); err != nil {
		return err
	}
	return web.Redirect(c, "/prs/patients/"+id+"?done=prs-unlinked")
}
