//! A plain A4 report writer: title, sections of lines and simple tables, paginated.

use krilla::Document;
use krilla::geom::PathBuilder;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;

use crate::card::Rgb;
use crate::pdf::{PdfFonts, draw_line, fill_rect, stroke_path};
use crate::text::{
    self, Face, Fitted, Fonts, GlyphInfo, baseline_offset, h_extent, pens, wrap_fixed,
};
use crate::{CardError, PxRect};

/// A plain document for reports (e.g. the monthly blank-usage report): a title, then sections
/// of a heading, lines of text and optionally a simple table. Written as A4 portrait,
/// paginated when long, with real (searchable) text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDoc {
    /// Document title, on the first page and in every page footer.
    pub title: String,
    /// A line under the title (e.g. office and period).
    pub subtitle: Option<String>,
    /// The sections, in order.
    pub sections: Vec<ReportSection>,
}

/// One section of a [`ReportDoc`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSection {
    /// Section heading.
    pub heading: String,
    /// Paragraph lines, each wrapped to the page width.
    pub lines: Vec<String>,
    /// A table drawn after the lines: rows of cells, the first row being the header
    /// (repeated at the top of each page the table continues on).
    pub table: Option<Vec<Vec<String>>>,
}

// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.7;
const MARGIN_TOP: f32 = 56.7;
const CONTENT_BOTTOM: f32 = PAGE_H - 62.0;
const FOOTER_BASELINE: f32 = PAGE_H - 34.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const TITLE_SIZE: f32 = 17.0;
const SUBTITLE_SIZE: f32 = 11.0;
const HEADING_SIZE: f32 = 12.5;
const BODY_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 9.0;
const FOOTER_SIZE: f32 = 8.0;
const LEADING: f32 = 1.35;
const CELL_PAD: f32 = 3.0;
/// Most lines one table cell may take; longer cells are cut with an ellipsis.
const MAX_CELL_LINES: usize = 40;
/// Most lines one paragraph line may take (10 000-character lines are cut).
const MAX_PARA_LINES: usize = 400;

const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [90, 90, 90];
const RULE: Rgb = [150, 150, 150];
const HEADER_BG: Rgb = [225, 232, 240];

enum Item {
    Text {
        face: Face,
        size: f32,
        color: Rgb,
        origin_x: f32,
        baseline: f32,
        glyphs: Vec<GlyphInfo>,
        pens: Vec<f32>,
    },
    Fill(PxRect, Rgb),
    Line((f32, f32), (f32, f32), Rgb, f32),
}

struct Pager<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl Pager<'_> {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    fn at_page_top(&self) -> bool {
        self.y <= MARGIN_TOP
    }

    /// Starts a new page unless `h` more points fit on this one (or this page is empty).
    fn ensure(&mut self, h: f32) {
        if self.y + h > CONTENT_BOTTOM && !self.at_page_top() {
            self.new_page();
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.last_mut() {
            p.push(item);
        }
    }

    /// Adds one fitted line with its slot top at `top`, left-aligned at `x0`.
    fn push_line(
        &mut self,
        fitted: &Fitted,
        line: &[GlyphInfo],
        x0: f32,
        top: f32,
        slot: f32,
        color: Rgb,
    ) {
        let face = self.fonts.face(fitted.face);
        let mut p = pens(face, line);
        let first = p.first().copied().unwrap_or(0.0);
        p.iter_mut().for_each(|x| *x -= first);
        let (left, _) = h_extent(line, &p);
        self.push(Item::Text {
            face: fitted.face,
            size: fitted.size,
            color,
            origin_x: x0 - left * fitted.size,
            baseline: top + baseline_offset(face, slot, fitted.size),
            glyphs: line.to_vec(),
            pens: p,
        });
    }

    /// A wrapped paragraph over the full content width.
    fn paragraph(&mut self, text: &str, face: Face, size: f32, color: Rgb, max_lines: usize) {
        let slot = size * LEADING;
        let fitted = wrap_fixed(self.fonts, face, text, size, CONTENT_W, slot, max_lines);
        if fitted.lines.is_empty() {
            self.ensure(slot);
            self.y += slot;
            return;
        }
        for line in &fitted.lines {
            self.ensure(slot);
            let top = self.y;
            self.push_line(&fitted, line, MARGIN_X, top, slot, color);
            self.y += slot;
        }
    }

    fn rule(&mut self, color: Rgb, width: f32) {
        let y = self.y;
        self.push(Item::Line(
            (MARGIN_X, y),
            (PAGE_W - MARGIN_X, y),
            color,
            width,
        ));
    }

    fn table(&mut self, rows: &[Vec<String>]) {
        let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
        if ncols == 0 {
            return;
        }
        let widths = column_widths(self.fonts, rows, ncols);
        let slot = TABLE_SIZE * LEADING;
        // Lay each row out first: (fitted cells, height).
        let laid: Vec<(Vec<Fitted>, f32)> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let face = if r == 0 { Face::Bold } else { Face::Regular };
                let cells: Vec<Fitted> = (0..ncols)
                    .map(|c| {
                        let text = row.get(c).map(String::as_str).unwrap_or("");
                        let w = (widths[c] - 2.0 * CELL_PAD).max(0.0);
                        wrap_fixed(self.fonts, face, text, TABLE_SIZE, w, slot, MAX_CELL_LINES)
                    })
                    .collect();
                let lines = cells
                    .iter()
                    .map(|f| f.lines.len())
                    .max()
                    .unwrap_or(0)
                    .max(1);
                (cells, lines as f32 * slot + 2.0 * CELL_PAD)
            })
            .collect();
        let Some((header, rest)) = laid.split_first() else {
            return;
        };
        self.ensure(header.1 + rest.first().map_or(0.0, |r| r.1));
        self.table_row(header, &widths, slot, true);
        for row in rest {
            if self.y + row.1 > CONTENT_BOTTOM && !self.at_page_top() {
                self.new_page();
                self.table_row(header, &widths, slot, true);
            }
            self.table_row(row, &widths, slot, false);
        }
    }

    fn table_row(
        &mut self,
        (cells, h): &(Vec<Fitted>, f32),
        widths: &[f32],
        slot: f32,
        header: bool,
    ) {
        let top = self.y;
        let total: f32 = widths.iter().sum();
        if header {
            self.push(Item::Fill(
                PxRect::new(MARGIN_X, top, MARGIN_X + total, top + h),
                HEADER_BG,
            ));
        }
        let mut x = MARGIN_X;
        for (cell, w) in cells.iter().zip(widths) {
            for (i, line) in cell.lines.iter().enumerate() {
                let line_top = top + CELL_PAD + i as f32 * slot;
                self.push_line(cell, line, x + CELL_PAD, line_top, slot, BLACK);
            }
            self.push(Item::Line((x, top), (x, top + h), RULE, 0.5));
            x += w;
        }
        self.push(Item::Line((x, top), (x, top + h), RULE, 0.5));
        self.push(Item::Line((MARGIN_X, top), (x, top), RULE, 0.5));
        self.push(Item::Line((MARGIN_X, top + h), (x, top + h), RULE, 0.5));
        self.y = top + h;
    }
}

/// Column widths: each column gets its natural width if all fit; otherwise every column gets
/// up to an equal share and the room left over goes to the wider columns in proportion.
fn column_widths(fonts: &Fonts, rows: &[Vec<String>], ncols: usize) -> Vec<f32> {
    let mut natural = vec![2.0 * CELL_PAD; ncols];
    for (r, row) in rows.iter().enumerate() {
        let face = fonts.face(if r == 0 { Face::Bold } else { Face::Regular });
        for (c, cell) in row.iter().enumerate() {
            let (g, _) = text::prepare(face, cell);
            let p = pens(face, &g);
            let (l, rt) = h_extent(&g, &p);
            let w = ((rt - l) * TABLE_SIZE + 2.0 * CELL_PAD + 1.0).min(CONTENT_W);
            natural[c] = natural[c].max(w);
        }
    }
    let sum: f32 = natural.iter().sum();
    if sum <= CONTENT_W {
        return natural;
    }
    let share = CONTENT_W / ncols as f32;
    let mut widths: Vec<f32> = natural.iter().map(|n| n.min(share)).collect();
    let left = CONTENT_W - widths.iter().sum::<f32>();
    let excess: f32 = natural.iter().zip(&widths).map(|(n, w)| n - w).sum();
    if excess > 0.0 {
        for (w, n) in widths.iter_mut().zip(&natural) {
            *w += left * (n - *w) / excess;
        }
    }
    widths
}

/// Writes a report as an A4 PDF: title, subtitle, sections; paginated, page numbers in the
/// footer ("Halaman 2 / 5").
pub fn report_pdf(doc: &ReportDoc) -> Result<Vec<u8>, CardError> {
    let fonts = text::fonts()?;
    let mut pager = Pager {
        fonts,
        pages: Vec::new(),
        y: MARGIN_TOP,
    };
    pager.new_page();
    pager.paragraph(&doc.title, Face::Bold, TITLE_SIZE, BLACK, 6);
    if let Some(sub) = &doc.subtitle {
        pager.paragraph(sub, Face::Regular, SUBTITLE_SIZE, GREY, 6);
    }
    pager.y += 4.0;
    pager.rule(BLACK, 0.8);
    pager.y += 6.0;
    for section in &doc.sections {
        pager.y += 10.0;
        // Keep a heading with at least two lines of what follows.
        pager.ensure(HEADING_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
        pager.paragraph(&section.heading, Face::Bold, HEADING_SIZE, BLACK, 4);
        pager.y += 3.0;
        for line in &section.lines {
            pager.paragraph(line, Face::Regular, BODY_SIZE, BLACK, MAX_PARA_LINES);
        }
        if let Some(rows) = &section.table {
            pager.y += 6.0;
            pager.table(rows);
        }
    }

    // Footer text, fitted once.
    let footer_title = wrap_fixed(
        fonts,
        Face::Regular,
        &doc.title,
        FOOTER_SIZE,
        CONTENT_W * 0.7,
        FOOTER_SIZE * LEADING,
        1,
    );
    let pdf_fonts = PdfFonts::new()?;
    let n = pager.pages.len();
    let mut pdf = Document::new();
    pdf.set_metadata(Metadata::new().title(footer_title_text(&doc.title)));
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| CardError::Pdf("invalid page size".into()))?;
    for (i, items) in pager.pages.iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for item in items {
            draw_item(&mut surface, &pdf_fonts, item);
        }
        // Footer: title on the left, page number on the right.
        let footer_top = FOOTER_BASELINE - FOOTER_SIZE;
        let num = wrap_fixed(
            fonts,
            Face::Regular,
            &format!("Halaman {} / {}", i + 1, n),
            FOOTER_SIZE,
            CONTENT_W * 0.3,
            FOOTER_SIZE * LEADING,
            1,
        );
        for (fitted, right) in [(&footer_title, false), (&num, true)] {
            if let Some(line) = fitted.lines.first() {
                let face = fonts.face(fitted.face);
                let mut p = pens(face, line);
                let first = p.first().copied().unwrap_or(0.0);
                p.iter_mut().for_each(|x| *x -= first);
                let (l, r) = h_extent(line, &p);
                let origin_x = if right {
                    PAGE_W - MARGIN_X - r * FOOTER_SIZE
                } else {
                    MARGIN_X - l * FOOTER_SIZE
                };
                let baseline =
                    footer_top + baseline_offset(face, FOOTER_SIZE * LEADING, FOOTER_SIZE);
                draw_line(
                    &mut surface,
                    pdf_fonts.get(fitted.face),
                    FOOTER_SIZE,
                    GREY,
                    origin_x,
                    baseline,
                    line,
                    &p,
                );
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| CardError::Pdf(e.to_string()))
}

/// The title for the PDF metadata: control characters removed, at most 200 characters.
fn footer_title_text(title: &str) -> String {
    title
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

fn draw_item(surface: &mut Surface<'_>, fonts: &PdfFonts, item: &Item) {
    match item {
        Item::Text {
            face,
            size,
            color,
            origin_x,
            baseline,
            glyphs,
            pens,
        } => draw_line(
            surface,
            fonts.get(*face),
            *size,
            *color,
            *origin_x,
            *baseline,
            glyphs,
            pens,
        ),
        Item::Fill(r, c) => fill_rect(surface, r, *c),
        Item::Line(a, b, c, w) => {
            let mut pb = PathBuilder::new();
            pb.move_to(a.0, a.1);
            pb.line_to(b.0, b.1);
            if let Some(path) = pb.finish() {
                stroke_path(surface, &path, *c, *w);
            }
        }
    }
}
