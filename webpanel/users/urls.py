from django.urls import path

from webpanel.users.apis import MeApi, TokenObtainApi, TokenRefreshApi, TokenRevokeApi

urlpatterns = [
    path("token", TokenObtainApi.as_view(), name="token-obtain"),
    path("token/refresh", TokenRefreshApi.as_view(), name="token-refresh"),
    path("token/revoke", TokenRevokeApi.as_view(), name="token-revoke"),
    path("me", MeApi.as_view(), name="me"),
]
