package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/store"
)

// Uploads are the files of one form field, checked and open for reading
// until Close.
type Uploads []store.Upload

// Close closes the files. The server removes the request's temporary files
// itself when the request ends; Close gives their descriptors back sooner.
func (us Uploads) Close() error {
	var first error
	for _, u := range us {
		if c, ok := u.Content.(io.Closer); ok {
			if err := c.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// FormUploads returns the files sent in field, a repeatable file input of a
// multipart form (<input type="file" name="attachment" multiple>), each
// already checked by its content (store.CheckUpload): at most
// store.MaxAttachmentsPerRequest files of at most store.MaxAttachmentSize
// bytes, PDF, JPEG or PNG. When any file is refused it returns no files and
// an EINVALID error whose Fields[field] names each refused file and why, so
// the form answers 422 with the reason beside the field and stores nothing.
// A file input left empty (no file chosen) sends no file; a request that is
// not multipart has no files. The caller stores the files with
// tx.PutAttachment in the same transaction as its record, then closes them.
func FormUploads(c *fiber.Ctx, field string) (Uploads, error) {
	form, err := c.MultipartForm()
	if errors.Is(err, fasthttp.ErrNoMultipartForm) {
		return nil, nil
	}
	if err != nil {
		return nil, store.Invalid(field, "送信されたファイルを受け取れませんでした。もう一度お試しください")
	}
	var files []*multipart.FileHeader
	for _, fh := range form.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an input with no file chosen
		}
		files = append(files, fh)
	}
	if len(files) > store.MaxAttachmentsPerRequest {
		return nil, store.Invalid(field, fmt.Sprintf("添付できるファイルは1回に%d個までです（%d個選ばれています）", store.MaxAttachmentsPerRequest, len(files)))
	}
	var out Uploads
	var refused []string
	for _, fh := range files {
		name := formFileName(fh.Filename)
		u := store.Upload{Name: name, Size: fh.Size}
		if fh.Size > 0 && fh.Size <= store.MaxAttachmentSize {
			f, err := fh.Open()
			if err != nil {
				out.Close()
				return nil, store.Errorf(store.EINTERNAL, "open uploaded file: %v", err)
			}
			u.Content = f
		}
		if _, err := store.CheckUpload(u); err != nil {
			if c, ok := u.Content.(io.Closer); ok {
				c.Close()
			}
			refused = append(refused, fmt.Sprintf("「%s」：%s", store.CleanAttachmentName(name, ""), store.ErrorMessage(err)))
			continue
		}
		out = append(out, u)
	}
	if len(refused) > 0 {
		out.Close()
		return nil, store.Invalid(field, strings.Join(refused, "／"))
	}
	return out, nil
}

// formFileName undoes the escapes browsers apply to a file name in a
// multipart form (the HTML standard's %0A, %0D and %22 for LF, CR and the
// double quote), so a name with quotes is kept as the person typed it. Line
// breaks are then turned into spaces by store.CleanAttachmentName.
func formFileName(name string) string {
	if !strings.Contains(name, "%") {
		return name
	}
	return strings.NewReplacer("%0A", "\n", "%0a", "\n", "%0D", "\r", "%0d", "\r", "%22", `"`).Replace(name)
}
