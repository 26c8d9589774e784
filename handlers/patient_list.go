package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// showPatientList is the PRS top (患者一覧・検索): the newest registrations,
// or the results of ?q= (カナ prefix, 漢字 substring, 生年月日, カルテ番号,
// 患者ID), a page at a time. The live search (htmx, targeting
// #patient-results) gets the result table alone.
func (s *Server) showPatientList(c *fiber.Ctx) error {
	a := prsActor(c)
	q, after := c.Query("q"), c.Query("after")
	page, err := s.db.SearchPatients(a, store.PatientQuery{Q: q, After: after})
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Patients))
	for i, p := range page.Patients {
		ids[i] = p.ID
	}
	if err := s.db.AuditPatientsShown(a, "patient.list", ids); err != nil {
		return err
	}
	v := views.PatientListView{Nav: s.prsNav(c, "patients"), Query: q, Page: page, First: after != "",
		Flash: prsFlash(c), Now: s.db.Now()}
	if c.Get("HX-Request") == "true" && c.Get("HX-Target") == "patient-results" {
		return s.renderPartial(c, views.PatientResults(v))
	}
	return s.render(c, "患者様登録ソフト", views.PatientList(v))
}

// showLinkedPatients is 「連携患者」: other facilities' patients linked to
// this one.
func (s *Server) showLinkedPatients(c *fiber.Ctx) error {
	after := c.Query("after")
	a := prsActor(c)
	page, err := s.db.LinkedPatients(a, after, 0)
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Patients))
	for i, p := range page.Patients {
		ids[i] = p.Patient.ID
	}
	if err := s.db.AuditPatientsShown(a, "patient.linked_list", ids); err != nil {
		return err
	}
	return s.render(c, "連携患者", views.LinkedList(views.LinkedListView{Nav: s.prsNav(c, "linked"), Page: page,
		First: after != "", Now: s.db.Now()}))
}
