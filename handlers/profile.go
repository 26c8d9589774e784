package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func profileForm(values map[string]string) views.Form {
	return views.Form{Values: values, Order: views.ProfileFields, Labels: views.ProfileLabels}
}

// profileView builds ユーザ編集 around a form.
func (s *Server) profileView(m *store.Member, f views.Form) views.ProfileView {
	v := views.ProfileView{Form: f, Member: *m}
	if m.FacilityOID != "" {
		if fac, err := s.db.Facility(m.FacilityOID); err == nil {
			v.FacilityName = fac.Name
		}
	}
	return v
}

// showProfile is ユーザ編集 with the member's current data.
func (s *Server) showProfile(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	f := profileForm(map[string]string{
		"name": m.Name, "name_kana": m.NameKana, "email": m.Email, "phone": m.Phone, "department": m.Department,
	})
	return s.web.Render(c, "ユーザ編集", views.Profile(s.profileView(m, f)))
}

// saveProfile stores the member's changes (422 with messages beside the
// fields when something is wrong).
func (s *Server) saveProfile(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	values := web.FormValues(c, views.ProfileFields...)
	_, err := s.db.UpdateProfile(m.ID, store.ProfileForm{
		Name: values["name"], NameKana: values["name_kana"], Email: values["email"],
		Phone: values["phone"], Department: values["department"],
	}, c.IP())
	if err != nil {
		return s.web.InvalidForm(c, err, "ユーザ編集", func(f views.Form) templ.Component {
			return views.Profile(s.profileView(m, f))
		}, profileForm(values))
	}
	return web.Redirect(c, "/profile?done=saved")
}
