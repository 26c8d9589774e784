package referral

import (
	"slices"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	refviews "hotline/views/referral"
)

func composeForm(values map[string]string) views.Form {
	f := views.NewForm(store.ReferralSpec, values)
	// The files and the records are posted beside the spec's fields.
	f.Order = append(f.Order, "attachment", "record")
	f.Labels["attachment"], f.Labels["record"] = "添付ファイル", "添付する医療記録"
	return f
}

// withRecords offers the records of the view's patient (none until one
// is known), chosen ticked.
func (h *Handlers) withRecords(a store.ReferralActor, v *refviews.ComposeView, chosen []string) error {
	for _, s := range chosen {
		if id := store.NormalizeRecordID(s); id != "" {
			v.Chosen = append(v.Chosen, id)
		}
	}
	if v.Patient.ID == "" {
		return nil
	}
	choices, err := h.db.ReferralRecordChoices(a, v.Patient.ID, append(slices.Clone(v.Chosen), v.Carried...))
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		return err
	}
	v.Records = choices
	return nil
}

// showCompose is 紹介状の作成: empty, for ?patient= (the patient block
// filled in from PRS), or as the correction of ?corrects= (the letter's
// contents to start from).
func (h *Handlers) showCompose(c *fiber.Ctx) error {
	a := actor(c)
	v := refviews.ComposeView{Nav: h.nav(c, "new"), Today: h.db.Now()}
	values := map[string]string{}
	if id := c.Query("corrects"); id != "" {
		r, err := h.db.ReferralForCompose(a, store.NormalizeReferralID(id))
		if err != nil {
			return err
		}
		if !r.Sent() {
			return web.Redirect(c, "/referrals/"+r.ID)
		}
		f := store.FormFromReferral(r)
		f.Corrects = r.ID
		values = f.Values()
		v.Carried = r.RecordIDs()
	} else if p := c.Query("patient"); p != "" {
		values["patient_id"] = clean(p, 60)
	}
	if p, err := h.patientOf(a, values["patient_id"]); err == nil {
		v.Patient = p
	} else if store.ErrorCode(err) != store.ENOTFOUND {
		return err
	}
	if err := h.withRecords(a, &v, nil); err != nil {
		return err
	}
	v.Form = composeForm(values)
	return h.web.Render(c, "紹介状の作成", refviews.Compose(v))
}

// patientOf is the patient block for a typed patient ID.
func (h *Handlers) patientOf(a store.ReferralActor, typed string) (store.Patient, error) {
	if typed == "" {
		return store.Patient{}, store.NotFound()
	}
	id, err := store.NormalizePatientID(typed)
	if err != nil {
		return store.Patient{}, store.NotFound()
	}
	return h.db.PatientForReferral(a, id)
}

// saveNewReferral sends a new letter, or saves it as a draft with
// draft=1: 303 to the letter, 422 with the messages, 409 (with the link
// to PRS) when the patient is not linked to the receiver.
func (h *Handlers) saveNewReferral(c *fiber.Ctx) error { return h.saveReferral(c, "") }

// saveDraft saves or sends the member's draft.
func (h *Handlers) saveDraft(c *fiber.Ctx) error {
	id := letterID(c)
	if id == "" {
		return store.NotFound()
	}
	return h.saveReferral(c, id)
}

func (h *Handlers) saveReferral(c *fiber.Ctx, id string) error {
	a := actor(c)
	f := store.ReferralFormFrom(web.Bind(c, store.ReferralSpec))
	f.Records = web.PostedValues(c, "record")
	send := c.FormValue("draft") != "1"
	var draft store.Referral
	if id != "" {
		// Who may post here is checked before the form is looked at.
		d, err := h.db.ReferralForCompose(a, id)
		if err != nil {
			return err
		}
		if d.Sent() {
			return store.Errorf(store.ECONFLICT, "送信済みの紹介状は変更できません。内容を訂正するときは「訂正する」から訂正の紹介状を送ってください")
		}
		draft = d
	}
	uploads, err := web.FormUploads(c, "attachment")
	if err != nil {
		return h.composeError(c, err, draft, f)
	}
	defer uploads.Close()
	r, err := h.db.SaveReferral(a, id, f, uploads, send)
	if err != nil {
		return h.composeError(c, err, draft, f)
	}
	if send {
		return web.Redirect(c, "/referrals/"+r.ID+"?done=referral-sent")
	}
	return web.Redirect(c, "/referrals/"+r.ID+"?done=referral-draft")
}

// composeError shows the form again: 422 with the messages beside the
// fields, 409 with the missing link explained; anything else (a patient
// this facility may not see: 404) is the error page.
func (h *Handlers) composeError(c *fiber.Ctx, err error, draft store.Referral, f store.ReferralForm) error {
	a := actor(c)
	v := refviews.ComposeView{Nav: h.nav(c, "new"), Draft: draft, Today: h.db.Now()}
	if p, perr := h.patientOf(a, f.PatientID); perr == nil {
		v.Patient = p
	}
	if id := store.NormalizeReferralID(f.Corrects); id != "" && draft.ID == "" {
		if corrected, cerr := h.db.ReferralForCompose(a, id); cerr == nil && corrected.Sent() {
			v.Carried = corrected.RecordIDs()
		}
	}
	if rerr := h.withRecords(a, &v, f.Records); rerr != nil {
		return rerr
	}
	if cm, ok := store.AsConsentMissing(err); ok {
		v.Consent = cm
		v.Form = composeForm(f.Values())
		return h.web.RenderStatus(c, fiber.StatusConflict, "紹介状の作成", refviews.Compose(v))
	}
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	return h.web.InvalidForm(c, err, "紹介状の作成", func(form views.Form) templ.Component {
		v.Form = form
		return refviews.Compose(v)
	}, composeForm(f.Values()))
}

// deleteDraft deletes the member's draft.
func (h *Handlers) deleteDraft(c *fiber.Ctx) error {
	if err := h.db.DeleteReferralDraft(actor(c), letterID(c)); err != nil {
		return err
	}
	return web.Redirect(c, "/referrals/drafts?done=referral-deleted")
}
