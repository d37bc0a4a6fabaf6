//! Small components shared by pages.

pub mod answer;
pub mod browser_check;
pub mod chart_frame;
pub mod highlight;
pub mod import_panel;
pub mod judge_choice;
pub mod label_trust;
pub mod line_chart;
pub mod load_status;
pub mod team_sync_panel;
