package prs

import (
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	prsviews "hotline/views/prs"
)

// showPatientList is the PRS top (患者一覧・検索): the newest registrations,
// or the results of ?q= (カナ prefix, 漢字 substring, 生年月日, カルテ番号,
// 患者ID), a page at a time. The live search (htmx, targeting
// #patient-results) gets the result table alone.
func (h *Handlers) showPatientList(c *fiber.Ctx) error {
	a := prsActor(c)
	q, after := c.Query("q"), c.Query("after")
	page, err := h.db.SearchPatients(a, store.PatientQuery{Q: q, After: after})
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Patients))
	for i, p := range page.Patients {
		ids[i] = p.ID
	}
	if err := h.db.AuditPatientsShown(a, store.AuditPatientList, ids); err != nil {
		return err
	}
	v := prsviews.PatientListView{Nav: h.prsNav(c, "patients"), Query: q, Page: page, First: after != "",
		Flash: prsFlash(c), Now: h.db.Now()}
	if c.Get("HX-Request") == "true" && c.Get("HX-Target") == "patient-results" {
		return h.web.Partial(c, prsviews.PatientResults(v))
	}
	return h.web.Render(c, "患者様登録ソフト", prsviews.PatientList(v))
}

// showLinkedPatients is 「連携患者」: other facilities' patients linked to
// this one.
func (h *Handlers) showLinkedPatients(c *fiber.Ctx) error {
	after := c.Query("after")
	a := prsActor(c)
	page, err := h.db.LinkedPatients(a, after, 0)
	if err != nil {
		return err
	}
	ids := make([]string, len(page.Patients))
	for i, p := range page.Patients {
		ids[i] = p.Patient.ID
	}
	if err := h.db.AuditPatientsShown(a, store.AuditPatientLinkedList, ids); err != nil {
		return err
	}
	return h.web.Render(c, "連携患者", prsviews.LinkedList(prsviews.LinkedListView{Nav: h.prsNav(c, "linked"), Page: page,
		First: after != "", Now: h.db.Now()}))
}
