package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func settingsValues(st store.Settings) map[string]string {
	return map[string]string{
		"site_name": st.SiteName, "organisation": st.Organisation, "department": st.Department, "postal": st.Postal,
		"address": st.Address, "phone": st.Phone, "email": st.Email, "portal_url": st.PortalURL,
		"package_insert_url": st.PackageInsertURL, "terms": st.TermsText(), "privacy": st.PrivacyText(),
	}
}

func settingsPage(st store.Settings) func(views.Form) templ.Component {
	return func(f views.Form) templ.Component {
		f = f.WithSpec(store.SettingsSpec)
		return views.Admin("settings", views.AdminSettings(views.SettingsView{Form: f, Placeholders: st.Placeholders(), Settings: st}))
	}
}

// showSettings is the operator's 設定 form.
func (s *Server) showSettings(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.web.Render(c, "設定", settingsPage(st)(views.Form{Values: settingsValues(st)}))
}

// saveSettings validates and stores the settings.
func (s *Server) saveSettings(c *fiber.Ctx) error {
	values := web.Bind(c, store.SettingsSpec)
	if err := s.db.SaveSettings(store.SettingsFormFrom(values), web.MemberOf(c).ID, c.IP()); err != nil {
		cur, _ := s.db.Settings()
		return s.web.InvalidForm(c, err, "設定", settingsPage(cur), views.Form{Values: values})
	}
	return web.Redirect(c, "/admin/settings?done=saved")
}
