"""The project's URLs and, for the headless browser only, a sign-in by link (a browser started
from the command line cannot fill in the login form)."""

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path

from mercato.urls import urlpatterns as project


def sign_in(request: HttpRequest) -> HttpResponseRedirect:
    user = get_user_model().objects.get(pk=request.GET["user"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(request.GET["next"])


urlpatterns = [path("browser-sign-in/", sign_in), *project]
