package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

func facilityInfoValues(f store.FacilityInfoForm) map[string]string {
	return map[string]string{"name": f.Name, "postal": f.Postal, "address": f.Address, "phone": f.Phone, "departments": f.Departments}
}

// showPRSFacility is 施設情報修正.
func (s *Server) showPRSFacility(c *fiber.Ctx) error {
	f, err := s.db.Facility(prsActor(c).FacilityOID)
	if err != nil {
		return err
	}
	return s.render(c, "施設情報修正", views.PRSFacilityPage(views.PRSFacilityView{Nav: s.prsNav(c, "facility"), Facility: f,
		Form:  views.Form{Values: facilityInfoValues(store.FacilityInfoFormFrom(f)), Labels: store.FacilityInfoLabels, Order: store.FacilityInfoFields},
		Flash: prsFlash(c)}))
}

// posted reports whether the request's form carries the field at all.
func posted(c *fiber.Ctx, name string) bool {
	if c.Request().PostArgs().Has(name) {
		return true
	}
	if mf, err := c.MultipartForm(); err == nil {
		_, ok := mf.Value[name]
		return ok
	}
	return false
}

// savePRSFacility saves the facility data and, when the password fields
// are filled in, changes the facility password. A field missing from the
// request keeps its value, so a form with only current/new/confirm just
// changes the password.
func (s *Server) savePRSFacility(c *fiber.Ctx) error {
	a := prsActor(c)
	f, err := s.db.Facility(a.FacilityOID)
	if err != nil {
		return err
	}
	info := store.FacilityInfoFormFrom(f)
	for name, dst := range map[string]*string{"name": &info.Name, "postal": &info.Postal, "address": &info.Address,
		"phone": &info.Phone, "departments": &info.Departments} {
		if posted(c, name) {
			*dst = c.FormValue(name)
		}
	}
	pw := store.FacilityPasswordForm{Current: c.FormValue("current"), New: c.FormValue("new"), Confirm: c.FormValue("confirm")}
	fail := func(err error) error {
		return s.invalidForm(c, err, "施設情報修正", func(form views.Form) templ.Component {
			return views.PRSFacilityPage(views.PRSFacilityView{Nav: s.prsNav(c, "facility"), Facility: f, Form: form})
		}, views.Form{Values: facilityInfoValues(info), Labels: store.FacilityInfoLabels, Order: store.FacilityInfoFields})
	}
	checked := info
	if err := checked.Validate(); err != nil {
		return fail(err)
	}
	done := "prs-facility"
	if !pw.Empty() {
		if err := s.db.PRSChangeFacilityPassword(a, pw, sessionOf(c).ID); err != nil {
			return fail(err)
		}
		done = "prs-facility-password"
	}
	if _, err := s.db.PRSUpdateFacility(a, info); err != nil {
		return err
	}
	return redirect(c, "/prs/facility?done="+done)
}
