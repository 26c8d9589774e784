package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func inquiryForm(values map[string]string) views.Form {
	return views.NewForm(store.InquirySpec, values)
}

// showInquiryForm is the public 問合せフォーム.
func (s *Server) showInquiryForm(c *fiber.Ctx) error {
	return s.web.Render(c, "問合せフォーム", views.InquiryForm(inquiryForm(nil)))
}

// saveInquiry stores an inquiry and shows its 受付番号.
func (s *Server) saveInquiry(c *fiber.Ctx) error {
	values := web.Bind(c, store.InquirySpec)
	q, err := s.db.CreateInquiry(store.InquiryFormFrom(values), c.IP())
	if err != nil {
		return s.web.InvalidForm(c, err, "問合せフォーム", func(f views.Form) templ.Component { return views.InquiryForm(f) }, inquiryForm(values))
	}
	return web.Redirect(c, "/inquiry/thanks/"+q.Number)
}

// showInquiryThanks confirms the inquiry by its number (nothing else of it
// is shown, so the URL reveals nothing).
func (s *Server) showInquiryThanks(c *fiber.Ctx) error {
	q, err := s.db.Inquiry(c.Params("number"))
	if err != nil {
		return err
	}
	return s.web.Render(c, "お問合せを受け付けました", views.InquiryThanks(q.Number))
}
