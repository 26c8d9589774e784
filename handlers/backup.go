package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showBackup is the operator's バックアップ page: the schedule, the last
// result, the generations kept, a download and "back up now".
func (s *Server) showBackup(c *fiber.Ctx) error {
	st := s.cfg.Backups.Status()
	return s.web.Render(c, "バックアップ", views.Admin("backup", views.Backup(views.BackupView{
		Summary: summarizeBackups(st, s.db.Now()), Status: st, DBPath: s.db.Path(), DBSize: s.db.FileSize(),
	})))
}

// backupSummary is the last backup for the operator dashboard
// (views.BackupSummaryCard shows it).
func (s *Server) backupSummary() views.BackupSummary {
	return summarizeBackups(s.cfg.Backups.Status(), s.db.Now())
}

func summarizeBackups(st store.BackupStatus, now time.Time) views.BackupSummary {
	sum := views.BackupSummary{Scheduled: st.Schedule.Enabled(), Every: st.Schedule.Every, Keep: st.Schedule.Keep,
		Running: st.Running, Next: st.Next}
	if st.Last != nil {
		if st.Last.OK() {
			sum.LastAt, sum.LastFile = st.Last.Finished, st.Last.File
		} else {
			sum.Failed = st.Last.Err
		}
	}
	if sum.LastAt.IsZero() && len(st.Generations) > 0 {
		sum.LastAt, sum.LastFile = st.Generations[0].ModTime, st.Generations[0].Name
	}
	switch {
	case !sum.Scheduled:
		sum.Warning = "定期バックアップが設定されていません（serve --backup-dir）。"
	case st.ListErr != "":
		sum.Warning = "バックアップの保存先を読み取れません：" + st.ListErr
	case sum.LastAt.IsZero():
		sum.Warning = "まだバックアップがありません。"
	case now.Sub(sum.LastAt) > 2*st.Schedule.Every:
		sum.Warning = "最新のバックアップが古くなっています（" + views.DateTime(sum.LastAt) + "）。"
	}
	return sum
}

// runBackup writes a new generation into the backup directory now. A
// failure shows on the page it returns to; a backup already running is 409.
func (s *Server) runBackup(c *fiber.Ctx) error {
	_, err := s.cfg.Backups.RunNow(c.UserContext(), web.MemberOf(c).ID, c.IP())
	switch {
	case store.ErrorCode(err) == store.ECONFLICT:
		return err
	case err != nil:
		s.log.Error("backup failed", "err", err)
		return web.Redirect(c, "/admin/backup")
	}
	return web.Redirect(c, "/admin/backup?done=saved")
}

// backupFile streams a hot backup (a consistent copy taken while the
// server runs) with a dated file name. A big file may take longer than the
// WriteTimeout: the download is paced instead. A backup already running is
// 409, for a HEAD too.
func (s *Server) backupFile(c *fiber.Ctx) (web.File, error) {
	if s.cfg.Backups.Running() != "" {
		return web.File{}, store.Errorf(store.ECONFLICT, "別のバックアップを実行中です。終わってからもう一度お試しください。")
	}
	return web.File{ContentType: fiber.MIMEOctetStream, Disposition: `attachment; filename="` + store.BackupFileName(s.db.Now()) + `"`,
		Send: func(c *fiber.Ctx) error {
			r, size, err := s.cfg.Backups.Download(web.MemberOf(c).ID, c.IP())
			if err != nil {
				return err
			}
			s.sendDownload(c, r, int(size))
			return nil
		}}, nil
}
