package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func profileForm(values map[string]string) views.Form {
	return views.NewForm(store.ProfileSpec, values)
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
		"directory": directoryValue(m), "introduction": m.Introduction,
	})
	return s.web.Render(c, "ユーザ編集", views.Profile(s.profileView(m, f)))
}

// saveProfile stores the member's changes (422 with messages beside the
// fields when something is wrong).
func (s *Server) saveProfile(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	values := web.Bind(c, store.ProfileSpec)
	// The form says it shows the directory choice (an unticked box sends
	// nothing); a client that does not show it leaves the choice alone.
	keep := c.FormValue("directory_asked") != "1"
	if keep {
		values["directory"] = directoryValue(m)
	}
	_, err := s.db.UpdateProfile(m.ID, store.ProfileForm{
		Name: values["name"], NameKana: values["name_kana"], Email: values["email"],
		Phone: values["phone"], Department: values["department"],
		Directory: values["directory"], KeepDirectory: keep, Introduction: values["introduction"],
	}, c.IP())
	if err != nil {
		return s.web.InvalidForm(c, err, "ユーザ編集", func(f views.Form) templ.Component {
			return views.Profile(s.profileView(m, f))
		}, profileForm(values))
	}
	return web.Redirect(c, "/profile?done=saved")
}

// directoryValue is the 会員名簿 box as the form shows it.
func directoryValue(m *store.Member) string {
	if m.DirectoryHidden {
		return ""
	}
	return "on"
}
