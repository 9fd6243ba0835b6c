from django.urls import path

from webpanel.jobs.apis import JobCancelApi, JobDetailApi, JobListApi

urlpatterns = [
    path("jobs", JobListApi.as_view(), name="jobs"),
    path("jobs/<str:job_id>", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<str:job_id>/cancel", JobCancelApi.as_view(), name="job-cancel"),
]
