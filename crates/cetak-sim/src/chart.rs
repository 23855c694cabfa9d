//! Charts of a run as SVG (plotters): the backlog burn-down, cards per day against capacity,
//! spoiled cards per day. One chart can hold several scenarios, for what-if comparisons.

use plotters::prelude::*;

use crate::Outcome;

/// Which series to draw.
#[derive(Debug, Clone, Copy)]
pub enum Series {
    /// Records of the original backlog still without a card.
    Backlog,
    /// Good cards a day.
    Printed,
    /// Spoiled cards a day.
    Spoiled,
}

impl Series {
    fn title(self) -> &'static str {
        match self {
            Series::Backlog => "Backlog without a card / sisa backlog",
            Series::Printed => "Good cards per day / kartu baik per hari",
            Series::Spoiled => "Spoiled cards per day / kartu rusak per hari",
        }
    }

    fn value(self, d: &crate::DayStats) -> u32 {
        match self {
            Series::Backlog => d.backlog_left,
            Series::Printed => d.printed,
            Series::Spoiled => d.spoiled,
        }
    }
}

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Draw `series` of every outcome as an SVG document (800 × 400).
pub fn svg(outcomes: &[Outcome], series: Series) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (800, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let days = outcomes
            .iter()
            .map(|o| o.daily.len())
            .max()
            .unwrap_or(1)
            .max(1) as u32;
        let top = outcomes
            .iter()
            .flat_map(|o| o.daily.iter().map(|d| series.value(d)))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(series.title(), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0u32..days, 0u32..top + top / 10 + 1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("day / hari")
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, o) in outcomes.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    o.daily
                        .iter()
                        .enumerate()
                        .map(|(x, d)| (x as u32, series.value(d))),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(o.scenario.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}
