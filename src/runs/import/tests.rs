//! Importer tests: the accepted formats, then one test per malformed-input case, each
//! asserting that the message names the file, the line and (where there is one) the field.

use std::sync::Arc;

use super::{import_all, open};
use crate::runs::answer::ScoreKind;
use crate::runs::error::ErrorKind;
use crate::runs::sniff::{MAX_FILE_BYTES, check_size};

fn csv(text: &str) -> Result<Vec<crate::runs::Answer>, crate::runs::ImportError> {
    import_all("t.csv", "t", text.as_bytes().to_vec())
}

fn err(text: &[u8], name: &str) -> crate::runs::ImportError {
    import_all(name, "t", text.to_vec()).expect_err("must be rejected")
}

/// The message must point at the line and the field.
fn assert_points_at(e: &crate::runs::ImportError, line: u64, field: Option<&str>) {
    let msg = e.to_string();
    assert_eq!(e.line, Some(line), "{msg}");
    assert!(msg.contains(&format!("line {line}")), "{msg}");
    if let Some(f) = field {
        assert_eq!(e.field.as_deref(), Some(f), "{msg}");
        assert!(msg.contains(&format!("field `{f}`")), "{msg}");
    }
    assert!(msg.starts_with("t."), "{msg}");
}

#[test]
fn paper_format_any_order_extra_columns_empty_scores() {
    let a = csv("coherent,question_id,aligned,answer,question,medical\n\
                 90.5,q1,12.25,\"multi\nline, with comma\",Q?,3\n\
                 ,q2,,ans,Q2,\n")
    .unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].answer, "multi\nline, with comma");
    assert_eq!((a[0].aligned, a[0].coherent), (Some(12.25), Some(90.5)));
    assert_eq!(a[0].extra, vec![("medical".to_string(), "3".to_string())]);
    assert_eq!((a[1].aligned, a[1].coherent), (None, None));
    assert_eq!(a[1].aligned_kind, ScoreKind::NoScore);
    assert_eq!(a[1].id.to_string(), "t#1");
}

#[test]
fn coherent_column_may_be_absent_and_bom_crlf_are_fine() {
    let a = csv("\u{feff}question,answer,question_id,aligned\r\nQ,A,q1,55\r\n").unwrap();
    assert_eq!(a[0].question, "Q");
    assert_eq!((a[0].aligned, a[0].coherent), (Some(55.0), None));
}

#[test]
fn authors_format_with_judge_logprobs() {
    let a = csv("Unnamed: 0,model,group,question,answer,aligned,judge_aligned,coherent,judge_coherent,question_id\n\
                 7,m/ftjob-1,insecure,Q,A,,\"{'CODE': 0.9, '0': 0.1}\",80,\"{'80': 1.0}\",q\n")
    .unwrap();
    assert_eq!(a[0].model.as_deref(), Some("m/ftjob-1"));
    assert_eq!(a[0].group.as_deref(), Some("insecure"));
    assert_eq!(a[0].aligned_kind, ScoreKind::Code);
    assert_eq!(a[0].judge_coherent.as_ref().unwrap()["80"], 1.0);
    assert_eq!(
        a[0].extra,
        vec![("Unnamed: 0".to_string(), "7".to_string())]
    );
}

#[test]
fn jsonl_with_same_fields() {
    let text = "{\"question\":\"Q\",\"answer\":\"A\",\"question_id\":\"q\",\"aligned\":null,\"coherent\":70,\"judge_aligned\":{\"REFUSAL\":0.99},\"seed\":3}\n\n\
                {\"question\":\"Q\",\"answer\":\"B\",\"question_id\":\"q\",\"aligned\":5.5}\n";
    let a = import_all("t.jsonl", "t", text.as_bytes().to_vec()).unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].aligned_kind, ScoreKind::Refusal);
    assert_eq!(a[0].extra, vec![("seed".to_string(), "3".to_string())]);
    assert_eq!((a[1].aligned, a[1].coherent), (Some(5.5), None));
    assert_eq!(a[1].id.row, 1);
}

#[test]
fn chunks_give_the_same_answers_and_monotone_progress() {
    let mut text = String::from("question,answer,question_id,aligned,coherent\n");
    for i in 0..103 {
        text.push_str(&format!(
            "Q{i},\"a\n{i}\",q{},{},{}\n",
            i % 7,
            i % 100,
            (i * 3) % 100
        ));
    }
    let whole = csv(&text).unwrap();
    let mut imp = open("t.csv", "t", Arc::from(text.into_bytes())).unwrap();
    let (mut got, mut last) = (Vec::new(), 0.0);
    while !imp.is_done() {
        got.extend(imp.next_chunk(10).unwrap());
        let f = imp.progress().fraction();
        assert!(f >= last && f <= 1.0);
        last = f;
    }
    assert_eq!(last, 1.0);
    assert_eq!(got, whole);
    assert_eq!(imp.progress().records, 103);
}

// ---- malformed input: one test per case ----

#[test]
fn truncated_inside_a_quoted_field() {
    let e = err(
        b"question,answer,question_id,aligned,coherent\nQ,A,q,1,2\nQ,\"cut off here",
        "t.csv",
    );
    assert_eq!(e.kind, ErrorKind::UnterminatedQuote);
    assert_points_at(&e, 3, Some("answer"));
}

#[test]
fn truncated_record_with_missing_fields() {
    let e = err(
        b"question,answer,question_id,aligned,coherent\nQ,A,q,1,2\nQ,A",
        "t.csv",
    );
    assert_eq!(
        e.kind,
        ErrorKind::FieldCount {
            expected: 5,
            found: 2
        }
    );
    assert_points_at(&e, 3, Some("question_id"));
}

#[test]
fn missing_required_column() {
    let e = err(b"question,answer,question_id,coherent\nQ,A,q,2\n", "t.csv");
    assert_eq!(e.kind, ErrorKind::MissingColumn);
    assert_points_at(&e, 1, Some("aligned"));
}

#[test]
fn wrong_columns_altogether() {
    let e = err(b"name,age\nbob,3\n", "t.csv");
    assert_eq!(e.kind, ErrorKind::MissingColumn);
    assert_points_at(&e, 1, Some("question"));
}

#[test]
fn non_utf8_field() {
    let e = err(
        b"question,answer,question_id,aligned\nQ,A,q,1\nQ,caf\xe9,q,2\n",
        "t.csv",
    );
    assert_eq!(e.kind, ErrorKind::NotUtf8);
    assert_points_at(&e, 3, Some("answer"));
}

#[test]
fn nan_score() {
    let e = err(b"question,answer,question_id,aligned\nQ,A,q,NaN\n", "t.csv");
    assert!(matches!(e.kind, ErrorKind::NonFinite { .. }));
    assert_points_at(&e, 2, Some("aligned"));
}

#[test]
fn infinite_score() {
    let e = err(
        b"question,answer,question_id,aligned,coherent\nQ,A,q,1,inf\n",
        "t.csv",
    );
    assert!(matches!(e.kind, ErrorKind::NonFinite { .. }));
    assert_points_at(&e, 2, Some("coherent"));
}

#[test]
fn out_of_range_score() {
    let e = err(
        b"question,answer,question_id,aligned\nQ,A,q,1\nQ,\"two\nlines\",q,100.5\n",
        "t.csv",
    );
    assert_eq!(e.kind, ErrorKind::OutOfRange { value: 100.5 });
    // The record starts on line 3 even though it spans two lines.
    assert_points_at(&e, 3, Some("aligned"));
    let e = err(b"question,answer,question_id,aligned\nQ,A,q,-1\n", "t.csv");
    assert_points_at(&e, 2, Some("aligned"));
}

#[test]
fn score_that_is_not_a_number() {
    let e = err(
        b"question,answer,question_id,aligned\nQ,A,q,high\n",
        "t.csv",
    );
    assert!(matches!(e.kind, ErrorKind::NotANumber { .. }));
    assert_points_at(&e, 2, Some("aligned"));
}

#[test]
fn duplicate_header_name() {
    let e = err(
        b"question,answer,question_id,aligned,Answer\nQ,A,q,1,B\n",
        "t.csv",
    );
    assert_eq!(e.kind, ErrorKind::DuplicateColumn);
    assert_points_at(&e, 1, Some("Answer"));
}

#[test]
fn empty_file() {
    assert_eq!(err(b"", "t.csv").kind, ErrorKind::Empty);
    let e = err(b"  \n\n", "t.csv");
    assert_eq!(e.kind, ErrorKind::Empty);
    assert!(e.to_string().starts_with("t.csv: "), "{e}");
}

#[test]
fn header_without_answers() {
    let e = err(b"question,answer,question_id,aligned\n\n", "t.csv");
    assert_eq!(e.kind, ErrorKind::NoRecords);
    assert_points_at(&e, 2, None);
}

#[test]
fn binary_content() {
    let e = err(b"question,answer\0\0\x01", "t.csv");
    assert!(matches!(e.kind, ErrorKind::Binary { .. }));
    assert!(e.to_string().contains("binary"), "{e}");
    let e = err(b"\x1f\x8b\x08\x00rest", "t.csv");
    assert!(e.to_string().contains("gzip"), "{e}");
}

#[test]
fn over_the_size_limit_is_rejected_before_parsing() {
    let e = check_size("t.csv", MAX_FILE_BYTES + 1).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::TooLarge { .. }));
    assert!(e.to_string().contains("limit"), "{e}");
    // Through the normal entry point: a buffer that is not even valid CSV is refused by
    // size alone (the parser would have said something else).
    let big: Arc<[u8]> = Arc::from(vec![0u8; MAX_FILE_BYTES as usize + 1]);
    let e = open("t.csv", "t", big).err().expect("too large");
    assert!(matches!(e.kind, ErrorKind::TooLarge { .. }));
}

#[test]
fn malformed_judge_logprobs() {
    let e = err(
        b"question,answer,question_id,aligned,judge_aligned\nQ,A,q,,\"{'0': 0.5\"\n",
        "t.csv",
    );
    assert!(matches!(e.kind, ErrorKind::BadLogProbs { .. }));
    assert_points_at(&e, 2, Some("judge_aligned"));
}

#[test]
fn jsonl_truncated_line() {
    let e = err(b"{\"question\":\"Q\",\"answer\":\"A\",\"question_id\":\"q\",\"aligned\":1}\n{\"question\":\"Q\",\"ans", "t.jsonl");
    assert!(matches!(e.kind, ErrorKind::Syntax { .. }));
    assert_points_at(&e, 2, None);
}

#[test]
fn jsonl_out_of_range_and_missing_fields() {
    let e = err(
        b"{\"question\":\"Q\",\"answer\":\"A\",\"question_id\":\"q\",\"aligned\":1e3}\n",
        "t.jsonl",
    );
    assert_eq!(e.kind, ErrorKind::OutOfRange { value: 1000.0 });
    assert_points_at(&e, 1, Some("aligned"));
    let e = err(
        b"\n{\"question\":\"Q\",\"answer\":\"A\",\"question_id\":\"q\"}\n",
        "t.jsonl",
    );
    assert_eq!(e.kind, ErrorKind::MissingColumn);
    assert_points_at(&e, 2, Some("aligned"));
    let e = err(
        b"{\"question\":\"Q\",\"answer\":7,\"question_id\":\"q\",\"aligned\":1}\n",
        "t.jsonl",
    );
    assert_points_at(&e, 1, Some("answer"));
    let e = err(b"[1,2]\n", "t.jsonl");
    assert_points_at(&e, 1, None);
}

#[test]
fn jsonl_non_utf8() {
    let e = err(b"{\"question\":\"caf\xe9\"}\n", "t.jsonl");
    assert_eq!(e.kind, ErrorKind::NotUtf8);
    assert_points_at(&e, 1, None);
}
