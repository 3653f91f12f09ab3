"""Texts and vocabularies of the pilot demo data: routes, comments, issue reports."""
from __future__ import annotations

SEARCH_KINDS = (("name", 0.38), ("ssid", 0.18), ("name,dob", 0.16), ("dob", 0.07), ("last_name", 0.08),
                ("first_name,last_name,dob", 0.08), ("ssid,dob", 0.05))
TABS = ("enrollments", "attendance", "progress_reports")
ROUTES = {
    "me": "/api/v1/me",
    "caseload": "/api/v1/caseload",
    "caseload_item": "/api/v1/caseload/<student_key>",
    "search": "/api/v1/students/search",
    "demographics": "/api/v1/students/<student_key>",
    "enrollments": "/api/v1/students/<student_key>/enrollments",
    "attendance": "/api/v1/students/<student_key>/attendance",
    "progress_reports": "/api/v1/students/<student_key>/progress-reports",
    "announcements": "/api/v1/announcements",
    "feedback": "/api/v1/feedback",
    "issues": "/api/v1/issues",
    "supervisees": "/api/v1/supervisees",
    "supervisee_caseload": "/api/v1/supervisees/<int(signed=True):user_id>/caseload",
}
COMMENTS = {
    "general": ("Much faster than calling the school from the car.",
                "Having this on my phone at the placement visit saved a trip back to the office.",
                "Works well overall.", "Good start, keep going."),
    "caseload": ("The school-change alert helped me catch a move I did not know about.",
                 "I would like to sort my caseload by last school change.", "Caseload loads quickly."),
    "search": ("Searching by last name with accents works, nice.", "Partial SSID search is very handy.",
               "Hard to tell twins apart in the results until I open the record."),
    "student_record": ("Attendance tab with the chronic-absence flag is exactly what court reports need.",
                       "Progress report credits are clear.", "Would like the school phone number to be tappable."),
    "sign_in": ("Sign-in asked for MFA twice on the first day.", "Sign-in is smooth now."),
    "performance": ("Records open in about a second even on LTE.", "Slow in the parking lot with one bar."),
    "data_quality": ("One student's school was out of date by about a week.",
                     "Enrollment history matched what the school told me."),
    "idea": ("Offline copy of my caseload for visits in the Antelope Valley.",
             "Let me share the attendance summary with the caregiver."),
}
SCREENS = ("caseload", "search", "student_demographics", "student_enrollments", "student_attendance",
           "student_progress", "settings", "feedback")
ISSUES = (
    ("problem", "App shows a blank screen after switching networks during a visit.", "resolved"),
    ("problem", "Search spinner never stops when the SSID has a leading zero.", "resolved"),
    ("wrong_data", "School shown is not current: the student changed schools two weeks ago.", "in_progress"),
    ("problem", "Sign-in loops back to Microsoft login on one Android phone.", "triaged"),
    ("wrong_data", "Grade level shown is one grade too low.", "resolved"),
    ("problem", "Progress report tab shows an error for one student.", "in_progress"),
    ("wrong_data", "Education rights holder is out of date.", "triaged"),
    ("problem", "Text is cut off on the attendance card with large font size.", "new"),
    ("wrong_data", "Twin siblings appear with each other's middle names.", "new"),
    ("problem", "App version 0.9.3 crashes when opening announcements.", "resolved"),
    ("wrong_data", "A student who left foster care still shows on my caseload.", "triaged"),
    ("problem", "Feedback form keyboard hides the send button on small iPhones.", "new"),
    ("wrong_data", "Attendance days expected look too low for this year.", "in_progress"),
    ("problem", "Session ends after 10 minutes of inactivity in the field.", "new"),
    ("wrong_data", "Student has two SSIDs and only the old one finds him.", "resolved"),
)
STATUS_NOTES = {
    "triaged": "Reproduced; assigned to the data team.",
    "in_progress": "Fix in progress; district feed contacted.",
    "resolved": "Fixed in the latest weekly load / app release.",
}
