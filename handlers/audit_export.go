package handlers

import (
	"bufio"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// auditCSVHeader names the export's columns.
var auditCSVHeader = []string{"連番", "日時（日本時間）", "操作者", "操作", "対象", "患者ID", "結果", "接続元", "詳細", "前の行のハッシュ", "ハッシュ"}

// auditCSVFile streams the audit log matching the search as CSV, oldest
// first: UTF-8 with a byte order mark and CRLF line ends so Excel opens it
// as it is. The export itself is audited.
func (s *Server) auditCSVFile(c *fiber.Ctx) (web.File, error) {
	q := auditQueryOf(c)
	filter, err := q.Filter()
	if err != nil {
		return web.File{}, err
	}
	name := "audit-" + s.db.Now().In(store.Tokyo).Format("20060102-150405") + ".csv"
	return web.File{ContentType: "text/csv; charset=utf-8", Disposition: `attachment; filename="` + name + `"`,
		Send: func(c *fiber.Ctx) error {
			if err := s.db.Audit(store.AuditEvent{Actor: web.MemberOf(c).ID, Action: store.AuditExport, Object: "audit", Remote: c.IP(), Detail: q.Describe()}); err != nil {
				return err
			}
			s.streamAuditCSV(c, filter)
			return nil
		}}, nil
}

// streamAuditCSV answers the CSV rows of filter. A long log may take
// longer than the WriteTimeout: the download is paced instead.
func (s *Server) streamAuditCSV(c *fiber.Ctx, filter store.AuditFilter) {
	db, log := s.db, s.log
	s.sendDownload(c, fasthttp.NewStreamReader(func(w *bufio.Writer) {
		w.WriteString("\uFEFF")
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		_ = cw.Write(auditCSVHeader)
		err := db.StreamAudit(filter, func(e store.AuditEvent) error {
			return cw.Write([]string{strconv.FormatUint(e.Seq, 10), views.AuditTime(e.Time), csvCell(e.Actor), csvCell(string(e.Action)),
				csvCell(e.Object), csvCell(e.Patient), store.AuditResultLabel(e.Result), csvCell(e.Remote), csvCell(e.Detail), e.Prev, e.Hash})
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err != nil {
			// The status is long sent: the download ends short.
			log.Warn("audit export ended early", "err", err)
		}
	}), -1)
}

// csvCell keeps a spreadsheet from running a cell as a formula: text that
// begins like one (=, +, -, @, tab, CR) gets a leading apostrophe. Actor
// names of failed logins are whatever was typed, so this matters.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
