package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

var requestStatuses = []store.RequestStatus{store.RequestOpen, store.RequestApproved, store.RequestRejected}

// showRequestList is the 申請 inbox, filtered by ?status= (受付中 by
// default, "all" for every request).
func (s *Server) showRequestList(c *fiber.Ctx) error {
	status := store.RequestStatus(c.Query("status", string(store.RequestOpen)))
	if status == "all" {
		status = ""
	} else if !status.Valid() {
		status = store.RequestOpen
	}
	counts, err := s.db.CountRequests()
	if err != nil {
		return err
	}
	list, err := s.db.Requests(status)
	if err != nil {
		return err
	}
	names := map[string]string{}
	rows := make([]views.RequestRow, 0, len(list))
	for _, r := range list {
		name, ok := names[r.MemberID]
		if !ok {
			if m, err := s.db.Member(r.MemberID); err == nil {
				name = m.Name
			}
			names[r.MemberID] = name
		}
		rows = append(rows, views.RequestRow{Request: r, MemberName: name})
	}
	var tabs []views.InboxTab
	total := 0
	for _, st := range requestStatuses {
		tabs = append(tabs, views.InboxTab{Href: "/admin/requests?status=" + string(st), Label: st.Label(), Count: counts[st], Current: st == status})
		total += counts[st]
	}
	tabs = append(tabs, views.InboxTab{Href: "/admin/requests?status=all", Label: "すべて", Count: total, Current: status == ""})
	return s.web.Render(c, "申請", views.Admin("requests", views.RequestList(views.RequestListView{Tabs: tabs, Rows: rows})))
}

// requestDetail builds the page of one request around the decision form.
func (s *Server) requestDetail(r store.Request, f views.Form) (templ.Component, error) {
	m, err := s.db.Member(r.MemberID)
	if err != nil {
		return nil, err
	}
	v := views.RequestDetailView{Request: r, Member: m, Form: f}
	v.Form = v.Form.WithSpec(store.DecisionSpec)
	if m.FacilityOID != "" {
		if fac, err := s.db.Facility(m.FacilityOID); err == nil {
			v.FacilityName = fac.Name
		}
	}
	return views.Admin("requests", views.RequestDetail(v)), nil
}

// showRequest is one request with the approve/reject form.
func (s *Server) showRequest(c *fiber.Ctx) error {
	r, err := s.db.Request(c.Params("id"))
	if err != nil {
		return err
	}
	page, err := s.requestDetail(r, views.Form{})
	if err != nil {
		return err
	}
	return s.web.Render(c, "申請 "+r.ID, page)
}

// approveRequest approves: a reissue is granted, a withdrawal carried out.
func (s *Server) approveRequest(c *fiber.Ctx) error { return s.decideRequest(c, true) }

// rejectRequest rejects with the reason in the answer.
func (s *Server) rejectRequest(c *fiber.Ctx) error { return s.decideRequest(c, false) }

func (s *Server) decideRequest(c *fiber.Ctx, approve bool) error {
	r, err := s.db.Request(c.Params("id"))
	if err != nil {
		return err
	}
	values := web.Bind(c, store.DecisionSpec)
	_, err = s.db.DecideRequest(r.ID, store.Decision{Approve: approve, Answer: values["answer"]}, web.MemberOf(c).ID, c.IP())
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err // 409 when already decided, with the reason
		}
		page, perr := s.requestDetail(r, views.Form{Values: values, Errors: store.ErrorFields(err)})
		if perr != nil {
			return perr
		}
		return s.web.RenderStatus(c, fiber.StatusUnprocessableEntity, "申請 "+r.ID, page)
	}
	return web.Redirect(c, "/admin/requests/"+r.ID+"?done=updated")
}
