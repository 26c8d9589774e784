package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

var inquiryStatuses = []store.InquiryStatus{store.InquiryOpen, store.InquiryInProgress, store.InquiryDone}

// showInquiryList is the 問合せ inbox, filtered by ?status= (未対応 by
// default, "all" for every inquiry).
func (s *Server) showInquiryList(c *fiber.Ctx) error {
	status := store.InquiryStatus(c.Query("status", string(store.InquiryOpen)))
	if status == "all" {
		status = ""
	} else if !status.Valid() {
		status = store.InquiryOpen
	}
	counts, err := s.db.CountInquiries()
	if err != nil {
		return err
	}
	list, err := s.db.Inquiries(status)
	if err != nil {
		return err
	}
	var tabs []views.InboxTab
	total := 0
	for _, st := range inquiryStatuses {
		tabs = append(tabs, views.InboxTab{Href: "/admin/inquiries?status=" + string(st), Label: st.Label(), Count: counts[st], Current: st == status})
		total += counts[st]
	}
	tabs = append(tabs, views.InboxTab{Href: "/admin/inquiries?status=all", Label: "すべて", Count: total, Current: status == ""})
	return s.web.Render(c, "問合せ", views.Admin("inquiries", views.InquiryList(views.InquiryListView{Tabs: tabs, Inquiries: list})))
}

func inquiryStatusOptions() []views.Option {
	out := make([]views.Option, 0, len(inquiryStatuses))
	for _, st := range inquiryStatuses {
		out = append(out, views.Option{Value: string(st), Label: st.Label()})
	}
	return out
}

func (s *Server) inquiryDetail(q store.Inquiry, f views.Form) templ.Component {
	f = f.WithSpec(store.InquiryUpdateSpec)
	return views.Admin("inquiries", views.InquiryDetail(views.InquiryDetailView{Inquiry: q, Form: f, Statuses: inquiryStatusOptions()}))
}

// showInquiry is one inquiry with its notes and the status form.
func (s *Server) showInquiry(c *fiber.Ctx) error {
	q, err := s.db.Inquiry(c.Params("number"))
	if err != nil {
		return err
	}
	return s.web.Render(c, "問合せ "+q.Number, s.inquiryDetail(q, views.Form{Values: map[string]string{"status": string(q.Status)}}))
}

// updateInquiry sets the status and adds a note.
func (s *Server) updateInquiry(c *fiber.Ctx) error {
	q, err := s.db.Inquiry(c.Params("number"))
	if err != nil {
		return err
	}
	values := web.Bind(c, store.InquiryUpdateSpec)
	err = s.db.UpdateInquiry(q.Number, store.InquiryStatus(values["status"]), values["note"], web.MemberOf(c).ID, c.IP())
	if err != nil {
		return s.web.InvalidForm(c, err, "問合せ "+q.Number, func(f views.Form) templ.Component {
			return s.inquiryDetail(q, f)
		}, views.Form{Values: values})
	}
	return web.Redirect(c, "/admin/inquiries/"+q.Number+"?done=updated")
}
