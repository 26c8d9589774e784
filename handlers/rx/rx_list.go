package rx

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	rxviews "hotline/views/rx"
)

// showRxList is GET /rx: a doctor's facility's prescriptions (mine=1:
// only the doctor's own), another member's own drafts and prescriptions;
// filters status and patient.
func (h *Handlers) showRxList(c *fiber.Ctx) error {
	a := actor(c)
	role, err := h.db.RxRoleOf(a)
	if err != nil {
		return err
	}
	status := store.RxStatus(c.Query("status"))
	if !status.Valid() {
		status = ""
	}
	before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
	patient := c.Query("patient")
	pid, perr := store.NormalizePatientID(patient)
	if len(patient) > 30 || perr != nil {
		pid, patient = "", ""
	}
	mine := c.Query("mine") == "1"
	page, err := h.db.ListPrescriptions(a, store.RxFilter{Status: status, PatientID: pid, Mine: mine, Before: before})
	if err != nil {
		return err
	}
	return h.web.Render(c, "Web処方箋", rxviews.List(rxviews.RxListView{Page: page, Status: string(status), Patient: patient,
		PatientID: pid, Mine: mine, CanIssue: role.CanIssue, Flash: rxFlash(c), Now: h.db.Now()}))
}
