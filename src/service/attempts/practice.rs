//! What a practice result teaches: each item's key and explanation, beside the answer.
//! Only for practice attempts, and only for items of the practice pool.

use super::finalise::score_item;
use super::stored::{decode, kind_of};
use crate::db::attempts::{self as rows, AttemptRow};
use crate::db::DbConn;
use crate::domain::labs::LabSpec;
use crate::error::ApiResult;
use crate::views::PracticeItemView;
use std::collections::HashMap;

/// The review of a practice attempt's form, in form order; None for a live attempt.
pub fn review(conn: &mut DbConn, attempt: &AttemptRow) -> ApiResult<Option<Vec<PracticeItemView>>> {
    if !attempt.practice {
        return Ok(None);
    }
    let revealable: HashMap<i32, Option<String>> = rows::practice_explanations(conn, &attempt.id)?
        .into_iter()
        .collect();
    let answers = rows::answers(conn, &attempt.id)?;
    let mut out = Vec::new();
    for (question, version) in rows::form(conn, &attempt.id)? {
        let Some(explanation) = revealable.get(&question.position) else {
            continue;
        };
        let answer = answers.iter().find(|a| a.position == question.position);
        let (scored, _) = score_item(&question, &version, answer)?;
        let ids: Vec<String> = decode(&question.option_ids)?;
        let order: Vec<usize> = decode(&question.option_order)?;
        let correct: Vec<usize> = decode(&version.correct)?;
        // The key in the candidate's option ids; an ordering item's in the right order.
        let key: Vec<String> = correct
            .iter()
            .filter_map(|original| order.iter().position(|o| o == original))
            .map(|shown| ids[shown].clone())
            .collect();
        let reference = match &version.lab {
            Some(lab) => Some(decode::<LabSpec>(lab)?.reference),
            None => None,
        };
        out.push(PracticeItemView {
            question_id: question.public_id.clone(),
            position: question.position,
            kind: kind_of(&version)?,
            correct_option_ids: key,
            selected: match answer {
                Some(a) => decode(&a.selected)?,
                None => Vec::new(),
            },
            points_awarded: scored.awarded as i32,
            points_possible: scored.points as i32,
            explanation: explanation.clone(),
            reference,
        });
    }
    Ok(Some(out))
}
