package handlers

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

func linkForm(values map[string]string) views.Form {
	return views.Form{Values: values, Order: views.LinkFields, Labels: views.LinkLabels}
}

func linkPage(id string) func(views.Form) templ.Component {
	return func(f views.Form) templ.Component {
		return views.Admin("links", views.AdminLinkForm(views.LinkFormView{ID: id, Form: f}))
	}
}

// showAdminLinks lists 関連サイト for editing.
func (s *Server) showAdminLinks(c *fiber.Ctx) error {
	links, err := s.db.Links()
	if err != nil {
		return err
	}
	return s.render(c, "関連サイト", views.Admin("links", views.AdminLinks(links)))
}

// showNewLink is the empty form.
func (s *Server) showNewLink(c *fiber.Ctx) error {
	return s.render(c, "関連サイトの追加", linkPage("")(linkForm(nil)))
}

// showEditLink is the form with the link's values.
func (s *Server) showEditLink(c *fiber.Ctx) error {
	l, err := s.db.Link(c.Params("id"))
	if err != nil {
		return err
	}
	return s.render(c, "関連サイトの編集", linkPage(l.ID)(linkForm(map[string]string{
		"title": l.Title, "url": l.URL, "description": l.Description, "order": strconv.Itoa(l.Order),
	})))
}

// createLink adds a link.
func (s *Server) createLink(c *fiber.Ctx) error { return s.saveLink(c, "") }

// updateLink changes a link.
func (s *Server) updateLink(c *fiber.Ctx) error {
	l, err := s.db.Link(c.Params("id"))
	if err != nil {
		return err
	}
	return s.saveLink(c, l.ID)
}

func (s *Server) saveLink(c *fiber.Ctx, id string) error {
	values := formValues(c, views.LinkFields...)
	_, err := s.db.SaveLink(id, store.LinkForm{Title: values["title"], URL: values["url"],
		Description: values["description"], Order: values["order"]}, memberOf(c).ID, c.IP())
	if err != nil {
		title := "関連サイトの追加"
		if id != "" {
			title = "関連サイトの編集"
		}
		return s.invalidForm(c, err, title, linkPage(id), linkForm(values))
	}
	return redirect(c, "/admin/links?done=saved")
}

// deleteLink removes a link (links are not medical data).
func (s *Server) deleteLink(c *fiber.Ctx) error {
	if err := s.db.DeleteLink(c.Params("id"), memberOf(c).ID, c.IP()); err != nil {
		return err
	}
	return redirect(c, "/admin/links?done=updated")
}
