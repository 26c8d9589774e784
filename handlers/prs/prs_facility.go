package prs

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	prsviews "hotline/views/prs"
)

// facilityForm is 施設情報修正 with its spec.
func facilityForm(f store.FacilityInfoForm) views.Form {
	return views.NewForm(store.FacilityInfoSpec, f.Values())
}

// showPRSFacility is 施設情報修正.
func (h *Handlers) showPRSFacility(c *fiber.Ctx) error {
	f, err := h.db.Facility(prsActor(c).FacilityOID)
	if err != nil {
		return err
	}
	return h.web.Render(c, "施設情報修正", prsviews.PRSFacilityPage(prsviews.PRSFacilityView{Nav: h.prsNav(c, "facility"), Facility: f,
		Form:  facilityForm(store.FacilityInfoFormFrom(f)),
		Flash: prsFlash(c)}))
}

// savePRSFacility saves the facility data and, when the password fields
// are filled in, changes the facility password. A field missing from the
// request keeps its value, so a form with only current/new/confirm just
// changes the password.
func (h *Handlers) savePRSFacility(c *fiber.Ctx) error {
	a := prsActor(c)
	f, err := h.db.Facility(a.FacilityOID)
	if err != nil {
		return err
	}
	info := store.FacilityInfoFormFrom(f)
	for name, dst := range map[string]*string{"name": &info.Name, "postal": &info.Postal, "address": &info.Address,
		"phone": &info.Phone, "departments": &info.Departments} {
		if web.Posted(c, name) {
			*dst = c.FormValue(name)
		}
	}
	pw := store.FacilityPasswordForm{Current: c.FormValue("current"), New: c.FormValue("new"), Confirm: c.FormValue("confirm")}
	fail := func(err error) error {
		return h.web.InvalidForm(c, err, "施設情報修正", func(form views.Form) templ.Component {
			return prsviews.PRSFacilityPage(prsviews.PRSFacilityView{Nav: h.prsNav(c, "facility"), Facility: f, Form: form})
		}, facilityForm(info))
	}
	checked := info
	if err := checked.Validate(); err != nil {
		return fail(err)
	}
	done := "prs-facility"
	if !pw.Empty() {
		if err := h.db.PRSChangeFacilityPassword(a, pw, web.SessionOf(c).ID); err != nil {
			return fail(err)
		}
		done = "prs-facility-password"
	}
	if _, err := h.db.PRSUpdateFacility(a, info); err != nil {
		return err
	}
	return web.Redirect(c, "/prs/facility?done="+done)
}
