//! `/api/v1/courses`.

use std::sync::Arc;

use chrono::NaiveDate;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, MaybeAuth, optional_principal};
use super::tags::ApiTags;
use super::types::{Timestamp, Topic, strict_opt_string, strict_string};
use super::wire::CourseKind as Kind;
use super::wire::RegisterName;
use crate::api::types::{Hours, PageSize, Percent, Points, page_size};
use crate::domain::courses::{self, AccreditationInput, CourseFilter, CourseInput, CourseView};
use crate::domain::paging::PageRequest;
use crate::state::AppState;

/// A course's accreditation by one register.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct Accreditation {
    /// The register.
    pub register: RegisterName,
    /// The register's accreditation number.
    #[oai(
        deserialize_with = "strict_string",
        validator(min_length = 1, max_length = 64)
    )]
    pub number: String,
    /// Points awarded on completion (0–1000).
    pub points: Points,
    /// First day the accreditation applies (1900-01-01 to 2999-12-31, else 422).
    #[oai(nullable)]
    pub valid_from: Option<NaiveDate>,
    /// Last day the accreditation applies (1900-01-01 to 2999-12-31, else 422).
    #[oai(nullable)]
    pub valid_until: Option<NaiveDate>,
}

/// When a participant completes.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct Completion {
    /// Minimum share of the edition's sessions attended, in percent: more than 0, at most
    /// 100 (100 = every session; 87.5 = 7 of 8). E-learning: 100, completion is marked.
    pub min_attendance_percent: Percent,
}

/// A course.
#[derive(Debug, Object)]
pub struct Course {
    /// Identifier.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: Kind,
    /// Topics (lower case).
    pub topics: Vec<String>,
    /// Description, plain text or Markdown.
    pub description: String,
    /// Who it is for.
    #[oai(nullable)]
    pub target_audience: Option<String>,
    /// Study load in hours.
    #[oai(nullable)]
    pub hours: Option<f64>,
    /// Accreditations, one per register.
    pub accreditations: Vec<Accreditation>,
    /// The completion rule.
    pub completion: Completion,
    /// Whether the course is archived (out of the catalogue, no new editions).
    pub archived: bool,
    /// Creation time (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<CourseView> for Course {
    fn from(v: CourseView) -> Self {
        Self {
            id: v.course.id,
            title: v.course.title,
            kind: v.course.kind.into(),
            topics: v.topics,
            description: v.course.description,
            target_audience: v.course.target_audience,
            hours: v.course.hours,
            accreditations: v
                .accreditations
                .into_iter()
                .map(|a| Accreditation {
                    register: a.register.into(),
                    number: a.number,
                    points: Points(a.points),
                    valid_from: a.valid_from,
                    valid_until: a.valid_until,
                })
                .collect(),
            completion: Completion {
                min_attendance_percent: Percent(v.course.min_attendance_percent),
            },
            archived: v.course.archived_at.is_some(),
            created_at: v.course.created_at.into(),
            updated_at: v.course.updated_at.into(),
        }
    }
}

/// A new course.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewCourse {
    /// Title (1–200 characters).
    #[oai(
        deserialize_with = "strict_string",
        validator(
            min_length = 1,
            max_length = 200,
            pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub title: String,
    /// Kind.
    pub kind: Kind,
    /// Topics (tags), at most 20 of at most 64 characters.
    #[oai(nullable, validator(max_items = 20))]
    pub topics: Option<Vec<Topic>>,
    /// Description, plain text or Markdown (at most 20,000 characters).
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(
            max_length = 20000,
            pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub description: Option<String>,
    /// Who it is for.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub target_audience: Option<String>,
    /// Study load in hours (more than 0, at most 1000).
    #[oai(nullable)]
    pub hours: Option<Hours>,
    /// Accreditations, one per register.
    #[oai(default, nullable, validator(max_items = 5))]
    pub accreditations: Vec<Accreditation>,
    /// The completion rule (default: every session).
    #[oai(nullable)]
    pub completion: Option<Completion>,
}

fn topic_texts(topics: Option<Vec<Topic>>) -> Option<Vec<String>> {
    topics.map(|t| t.into_iter().map(|t| t.0).collect())
}

/// Changes to a course; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CoursePatch {
    /// New title.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(
            min_length = 1,
            max_length = 200,
            pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub title: Option<String>,
    /// New kind (only while the course has no editions).
    #[oai(nullable)]
    pub kind: Option<Kind>,
    /// Replace the topics.
    #[oai(nullable, validator(max_items = 20))]
    pub topics: Option<Vec<Topic>>,
    /// New description.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(
            max_length = 20000,
            pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub description: Option<String>,
    /// New target audience (an empty string clears it).
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub target_audience: Option<String>,
    /// New study load in hours.
    #[oai(nullable)]
    pub hours: Option<Hours>,
    /// Replace the accreditations.
    #[oai(nullable, validator(max_items = 5))]
    pub accreditations: Option<Vec<Accreditation>>,
    /// New completion rule.
    #[oai(nullable)]
    pub completion: Option<Completion>,
}

fn accreditations_in(list: &[Accreditation]) -> Vec<AccreditationInput> {
    list.iter()
        .map(|a| AccreditationInput {
            register: a.register.into(),
            number: a.number.clone(),
            points: a.points.0,
            valid_from: a.valid_from,
            valid_until: a.valid_until,
        })
        .collect()
}

super::paging::page_type!(CoursePage, Course, "A page of courses.");

#[derive(ApiResponse)]
enum CourseList {
    /// A page of courses.
    #[oai(status = 200)]
    Ok(Json<CoursePage>),
}

#[derive(ApiResponse)]
enum CourseOne {
    /// The course.
    #[oai(status = 200)]
    Ok(Json<Course>),
}

#[derive(ApiResponse)]
enum CourseCreated {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<Course>,
        /// URL of the new course.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum CourseDeleted {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

/// Course endpoints.
pub struct CoursesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl CoursesApi {
    /// List courses
    ///
    /// Public. Archived courses are left out unless an admin asks for them.
    #[oai(path = "/courses", method = "get", operation_id = "listCourses")]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        /// Only courses of this kind.
        kind: Query<Option<Kind>>,
        /// Only courses with this topic.
        #[oai(validator(max_length = 64, pattern = "^[^\\x00-\\x1f\\x7f]*$"))]
        topic: Query<Option<String>>,
        /// Include archived courses (admins only).
        #[oai(default)]
        include_archived: Query<bool>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<CourseList, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        if include_archived.0 && !actor.as_ref().is_some_and(|a| a.is_admin()) {
            return Err(ApiError::forbidden(
                "archived courses are listed for admins only",
            ));
        }
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let filter = CourseFilter {
            kind: kind.0.map(Into::into),
            topic: topic.0,
            include_archived: include_archived.0,
        };
        let (items, next_cursor) = courses::list(&state.db, &filter, page).await?;
        Ok(CourseList::Ok(Json(CoursePage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Create a course
    #[oai(path = "/courses", method = "post", operation_id = "createCourse")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        body: Json<NewCourse>,
    ) -> Result<CourseCreated, ApiError> {
        let b = body.0;
        let input = CourseInput {
            title: Some(b.title),
            kind: Some(b.kind.into()),
            topics: Some(topic_texts(b.topics).unwrap_or_default()),
            description: b.description,
            target_audience: Some(b.target_audience),
            hours: Some(b.hours.map(|h| h.0)),
            accreditations: Some(accreditations_in(&b.accreditations)),
            min_attendance_percent: b.completion.map(|c| c.min_attendance_percent.0),
        };
        let view = courses::create(&state.db, input).await?;
        let location = format!("/api/v1/courses/{}", view.course.id);
        Ok(CourseCreated::Created(Json(view.into()), location))
    }

    /// Get a course
    ///
    /// Public.
    #[oai(path = "/courses/:id", method = "get", operation_id = "getCourse")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> Result<CourseOne, ApiError> {
        optional_principal(req, &state, auth).await?;
        Ok(CourseOne::Ok(Json(
            courses::get(&state.db, id.0).await?.into(),
        )))
    }

    /// Change a course
    #[oai(path = "/courses/:id", method = "patch", operation_id = "updateCourse")]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<CoursePatch>,
    ) -> Result<CourseOne, ApiError> {
        let b = body.0;
        let input = CourseInput {
            title: b.title,
            kind: b.kind.map(Into::into),
            topics: topic_texts(b.topics),
            description: b.description,
            target_audience: b
                .target_audience
                .map(|t| Some(t).filter(|t| !t.trim().is_empty())),
            hours: b.hours.map(|h| Some(h.0)),
            accreditations: b.accreditations.as_deref().map(accreditations_in),
            min_attendance_percent: b.completion.map(|c| c.min_attendance_percent.0),
        };
        Ok(CourseOne::Ok(Json(
            courses::update(&state.db, id.0, input).await?.into(),
        )))
    }

    /// Delete an unused course
    ///
    /// Only a course that never had an edition; others are archived instead (409
    /// `course_has_editions`).
    #[oai(
        path = "/courses/:id",
        method = "delete",
        operation_id = "deleteCourse"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<CourseDeleted, ApiError> {
        courses::delete(&state.db, id.0).await?;
        Ok(CourseDeleted::NoContent)
    }

    /// Archive a course
    ///
    /// Out of the catalogue, no new editions; its editions and certificates stay.
    #[oai(
        path = "/courses/:id/archive",
        method = "post",
        operation_id = "archiveCourse"
    )]
    async fn archive(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<CourseOne, ApiError> {
        Ok(CourseOne::Ok(Json(
            courses::set_archived(&state.db, id.0, true).await?.into(),
        )))
    }

    /// Restore an archived course
    #[oai(
        path = "/courses/:id/unarchive",
        method = "post",
        operation_id = "unarchiveCourse"
    )]
    async fn unarchive(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<CourseOne, ApiError> {
        Ok(CourseOne::Ok(Json(
            courses::set_archived(&state.db, id.0, false).await?.into(),
        )))
    }
}
