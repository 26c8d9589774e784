package store

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the summary of an import for a person reading a
// terminal (hotline drugs import).
func (s DrugImportSummary) WriteText(w io.Writer) {
	m := s.Master
	if s.Unchanged {
		fmt.Fprintf(w, "現在の薬価基準マスタ（版 %d）と同じ内容でした。品目と薬価は変わっていません。\n", m.Version)
	} else {
		fmt.Fprintf(w, "薬価基準マスタを取り込みました（版 %d）。\n", m.Version)
	}
	fmt.Fprintf(w, "  リストの日付: %s（%s）\n", m.ListDate.Format("2006-01-02"), m.ListDateSource.Label())
	var counts []string
	for _, c := range m.Counts {
		counts = append(counts, fmt.Sprintf("%s %s", c.Category, formatCount(c.Count)))
	}
	fmt.Fprintf(w, "  品目: %s、計 %s\n", strings.Join(counts, "・"), formatCount(m.Total))
	fmt.Fprintf(w, "  前の版との差: 追加 %s、削除 %s、薬価変更 %s、その他の変更 %s\n",
		formatCount(s.Added), formatCount(s.Removed), formatCount(s.PriceChanged), formatCount(s.OtherChanged))
	s.writeRejected(w)
}

func (s DrugImportSummary) writeRejected(w io.Writer) {
	fmt.Fprintf(w, "  除外した行: %s（読んだ行 %s）\n", formatCount(len(s.Rejected)), formatCount(s.Rows))
	for i, r := range s.Rejected {
		if i == 200 {
			fmt.Fprintf(w, "    ほか %s 行\n", formatCount(len(s.Rejected)-i))
			break
		}
		fmt.Fprintln(w, "    "+r.describe())
	}
}

// WriteFailure writes what a failed import read, for the rows it names
// (the error itself is printed by the caller).
func (s DrugImportSummary) WriteFailure(w io.Writer) {
	if len(s.Rejected) > 0 {
		s.writeRejected(w)
	}
}

// formatCount writes n with thousands separators (12,434).
func formatCount(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// DrugProgressBar returns a Progress function drawing a bar on w (a
// terminal's standard error), redrawn at most every 100 ms; done ends the
// line.
func DrugProgressBar(w io.Writer) (progress func(DrugImportProgress), done func()) {
	var last time.Time
	drawn := false
	draw := func(p DrugImportProgress, force bool) {
		if !force && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		const width = 30
		filled := width
		if p.Total > 0 {
			filled = min(width, p.Rows*width/p.Total)
		}
		label := "読み込み中"
		if p.Writing {
			label, filled = "保存中", width
		}
		fmt.Fprintf(w, "\r%s [%s%s] %s / %s 行 ", label, strings.Repeat("#", filled), strings.Repeat("-", width-filled),
			formatCount(p.Rows), formatCount(max(p.Total, p.Rows)))
		drawn = true
	}
	progress = func(p DrugImportProgress) { draw(p, p.Writing) }
	done = func() {
		if drawn {
			fmt.Fprintln(w)
		}
	}
	return progress, done
}
