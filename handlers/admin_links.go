package handlers

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func siteLinkForm(values map[string]string) views.Form {
	return views.NewForm(store.SiteLinkSpec, values)
}

func siteLinkPage(id string) func(views.Form) templ.Component {
	return func(f views.Form) templ.Component {
		return views.Admin("links", views.AdminSiteLinkForm(views.SiteLinkFormView{ID: id, Form: f}))
	}
}

// showAdminSiteLinks lists 関連サイト for editing.
func (s *Server) showAdminSiteLinks(c *fiber.Ctx) error {
	links, err := s.db.SiteLinks()
	if err != nil {
		return err
	}
	return s.web.Render(c, "関連サイト", views.Admin("links", views.AdminSiteLinks(links)))
}

// showNewSiteLink is the empty form.
func (s *Server) showNewSiteLink(c *fiber.Ctx) error {
	return s.web.Render(c, "関連サイトの追加", siteLinkPage("")(siteLinkForm(nil)))
}

// showEditSiteLink is the form with the link's values.
func (s *Server) showEditSiteLink(c *fiber.Ctx) error {
	l, err := s.db.SiteLink(c.Params("id"))
	if err != nil {
		return err
	}
	return s.web.Render(c, "関連サイトの編集", siteLinkPage(l.ID)(siteLinkForm(map[string]string{
		"title": l.Title, "url": l.URL, "description": l.Description, "order": strconv.Itoa(l.Order),
	})))
}

// createSiteLink adds a link.
func (s *Server) createSiteLink(c *fiber.Ctx) error { return s.saveSiteLink(c, "") }

// updateSiteLink changes a link.
func (s *Server) updateSiteLink(c *fiber.Ctx) error {
	l, err := s.db.SiteLink(c.Params("id"))
	if err != nil {
		return err
	}
	return s.saveSiteLink(c, l.ID)
}

func (s *Server) saveSiteLink(c *fiber.Ctx, id string) error {
	values := web.Bind(c, store.SiteLinkSpec)
	_, err := s.db.SaveSiteLink(id, store.SiteLinkFormFrom(values), web.MemberOf(c).ID, c.IP())
	if err != nil {
		title := "関連サイトの追加"
		if id != "" {
			title = "関連サイトの編集"
		}
		return s.web.InvalidForm(c, err, title, siteLinkPage(id), siteLinkForm(values))
	}
	return web.Redirect(c, "/admin/links?done=saved")
}

// deleteSiteLink removes a link (links are not medical data).
func (s *Server) deleteSiteLink(c *fiber.Ctx) error {
	if err := s.db.DeleteSiteLink(c.Params("id"), web.MemberOf(c).ID, c.IP()); err != nil {
		return err
	}
	return web.Redirect(c, "/admin/links?done=updated")
}
