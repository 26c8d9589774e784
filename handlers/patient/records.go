package patient

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	patientviews "hotline/views/patient"
)

// showRecordList is the patient's top page: the records disclosed to
// them, newest first.
func (h *Handlers) showRecordList(c *fiber.Ctx) error {
	p := patientOf(c)
	items, err := h.db.PatientRecords(p.ID)
	if err != nil {
		return err
	}
	if err := h.audit(c, store.AuditPatientPageView, "patient-page:records"); err != nil {
		return err
	}
	v := patientviews.RecordListView{}
	for _, it := range items {
		v.Records = append(v.Records, patientviews.Record{Href: "/patient/records/" + it.ID, Title: it.Title,
			Kind: it.KindLabel, RecordedOn: it.RecordedOnString(), FacilityName: it.FacilityName,
			UpdatedAt: views.DateTime(it.UpdatedAt), AttachmentCount: it.Attachments})
	}
	return h.web.Render(c, "あなたに公開された記録", patientviews.RecordList(v))
}

// showRecord is one disclosed record (its current version) with its
// attachments; anything not disclosed to this patient is 404. The store
// audits the view before it answers.
func (h *Handlers) showRecord(c *fiber.Ctx) error {
	p := patientOf(c)
	r, err := h.db.PatientRecord(p.ID, c.Params("id"), c.IP())
	if err != nil {
		return err
	}
	rec := patientviews.Record{Href: "/patient/records/" + r.ID, Title: r.Title, Kind: r.KindLabel,
		RecordedOn: r.RecordedOnString(), FacilityName: r.FacilityName, Author: r.AuthorName,
		UpdatedAt: views.DateTime(r.UpdatedAt), Body: r.Body}
	for _, a := range r.Attachments {
		rec.Attachments = append(rec.Attachments, patientviews.Attachment{
			Href: rec.Href + "/attachments/" + strconv.Itoa(a.N), Name: a.Name, Kind: fileKind(a.ContentType),
			Size: patientviews.FileSize(a.Size), Image: a.ContentType == store.ContentTypeJPEG || a.ContentType == store.ContentTypePNG})
	}
	rec.AttachmentCount = len(rec.Attachments)
	return h.web.Render(c, r.Title, patientviews.RecordPage(patientviews.RecordView{Record: rec}))
}

// sendAttachment streams one attachment of a disclosed record (audited by
// the store before the first byte); HEAD checks and answers the headers
// without reading or auditing.
func (h *Handlers) sendAttachment(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 || n > 1000 {
		return store.NotFound()
	}
	if c.Method() == fiber.MethodHead {
		r, err := h.db.HeadPatientRecordAttachment(patientOf(c).ID, c.Params("id"), n)
		if err != nil {
			return err
		}
		return web.SendAttachment(c, r)
	}
	r, _, err := h.db.OpenPatientRecordAttachment(patientOf(c).ID, c.Params("id"), n, c.IP())
	if err != nil {
		return err
	}
	return web.SendAttachment(c, r)
}

// fileKind names a stored type in words.
func fileKind(ct string) string {
	switch ct {
	case store.ContentTypePDF:
		return "PDF"
	case store.ContentTypeJPEG:
		return "画像（JPEG）"
	case store.ContentTypePNG:
		return "画像（PNG）"
	}
	return "ファイル"
}
