package drugs

import (
	"errors"
	"fmt"
	"mime/multipart"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	drugviews "hotline/views/drugs"
)

const importTitle = "薬価基準マスタ"

// importedKey is the ?done= of the redirect after an import.
const importedKey = "drugs-imported"

// showDrugImport is the operator's 薬価基準 page: the list in force (its
// date, counts by 区分), the upload form and, right after an import, its
// summary.
func (h *Handlers) showDrugImport(c *fiber.Ctx) error {
	v := drugviews.ImportPageView{Form: views.NewForm(store.DrugImportSpec, nil)}
	if c.Query("done") == importedKey {
		if sum, ok := h.imports.take(web.MemberOf(c).ID); ok {
			v.Summary = &sum
		}
	}
	return h.renderImport(c, fiber.StatusOK, v)
}

func (h *Handlers) renderImport(c *fiber.Ctx, status int, v drugviews.ImportPageView) error {
	st, err := h.db.DrugMasterState()
	if err != nil {
		return err
	}
	v.State = st
	if st.Loaded {
		if v.Index, err = h.db.LoadDrugIndex(); err != nil {
			return err
		}
	}
	return h.web.RenderStatus(c, status, importTitle, views.Admin("drugs", drugviews.ImportPage(v)))
}

// importDrugMaster takes the uploaded list (multipart field file, one
// file or several forming the list together) and replaces the master in
// one transaction while searches go on against the old one. Success
// answers 303 to the page, which shows the summary; a file that is not
// the list, is cut short or has too many bad rows answers 422 with the
// reason beside the field (and the rows it read), the master unchanged.
func (h *Handlers) importDrugMaster(c *fiber.Ctx) error {
	files, err := drugUploads(c)
	if err != nil {
		return h.importFailed(c, err, nil)
	}
	defer func() {
		for _, f := range files {
			f.R.(multipart.File).Close()
		}
	}()
	m := web.MemberOf(c)
	sum, err := h.db.ImportDrugs(files, store.DrugImportOptions{Actor: m.ID, Remote: c.IP()})
	if err != nil {
		return h.importFailed(c, err, &sum)
	}
	h.imports.put(m.ID, sum)
	return web.Redirect(c, "/admin/drugs?done="+importedKey)
}

// importFailed shows the page again with the reason beside the file field.
func (h *Handlers) importFailed(c *fiber.Ctx, err error, sum *store.DrugImportSummary) error {
	code := store.ErrorCode(err)
	if code != store.EINVALID && code != store.ECONFLICT {
		return err
	}
	msg := store.ErrorFields(err)[drugviews.ImportField]
	if msg == "" {
		msg = store.ErrorMessage(err)
	}
	f := views.NewForm(store.DrugImportSpec, nil)
	f.Errors = store.FieldErrors{drugviews.ImportField: msg}
	v := drugviews.ImportPageView{Form: f, Failed: true}
	if sum != nil && (sum.Rows > 0 || len(sum.Rejected) > 0) {
		v.Summary = sum
	}
	return h.renderImport(c, web.StatusOf(code), v)
}

// drugUploads opens the files of field file. None chosen, too many, an
// empty one or one over the size answer EINVALID on the field.
func drugUploads(c *fiber.Ctx) ([]store.DrugFile, error) {
	field := drugviews.ImportField
	form, err := c.MultipartForm()
	if errors.Is(err, fasthttp.ErrNoMultipartForm) {
		return nil, store.Invalid(field, "取り込むファイルを選んでください")
	}
	if err != nil {
		return nil, store.Invalid(field, "送信されたファイルを受け取れませんでした。もう一度お試しください")
	}
	var headers []*multipart.FileHeader
	for _, fh := range form.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an input with no file chosen
		}
		headers = append(headers, fh)
	}
	switch {
	case len(headers) == 0:
		return nil, store.Invalid(field, "取り込むファイルを選んでください")
	case len(headers) > store.MaxDrugFiles:
		return nil, store.Invalid(field, fmt.Sprintf("一度に取り込めるファイルは%d個までです（%d個選ばれています）", store.MaxDrugFiles, len(headers)))
	}
	for _, fh := range headers {
		if fh.Size == 0 {
			return nil, store.Invalid(field, fmt.Sprintf("「%s」は空のファイルです", store.CleanAttachmentName(fh.Filename, "")))
		}
		if fh.Size > store.MaxDrugFileBytes {
			return nil, store.Invalid(field, fmt.Sprintf("「%s」は大きすぎます（1ファイル%d MBまで）", store.CleanAttachmentName(fh.Filename, ""), store.MaxDrugFileBytes>>20))
		}
	}
	files := make([]store.DrugFile, 0, len(headers))
	for _, fh := range headers {
		f, err := fh.Open()
		if err != nil {
			for _, o := range files {
				o.R.(multipart.File).Close()
			}
			return nil, store.Errorf(store.EINTERNAL, "open uploaded file: %v", err)
		}
		files = append(files, store.DrugFile{Name: uploadName(fh.Filename), R: f})
	}
	return files, nil
}

// uploadName is the file's name as the import reports it (a date in it is
// the list's date).
func uploadName(name string) string {
	if n := store.CleanAttachmentName(name, ""); n != "" {
		return n
	}
	return "file"
}
