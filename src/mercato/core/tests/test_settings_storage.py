"""S3 storage is the optional extra `s3`: a bucket without it stops the start with the fix."""

from mercato.core.tests.test_settings import run_settings

STORAGE = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
# Hide boto3 from the import system, as in an install without the `s3` extra.
WITHOUT_BOTO3 = (
    "import importlib.machinery as m; find = m.PathFinder.find_spec; "
    "m.PathFinder.find_spec = staticmethod("
    "lambda name, path=None, target=None: None if name == 'boto3' else find(name, path, target)); "
)


def test_a_bucket_uses_s3_storage():
    result = run_settings(STORAGE, S3_BUCKET="shop-media")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "storages.backends.s3.S3Storage"


def test_a_bucket_without_the_s3_extra_stops_the_start_and_says_what_to_install():
    result = run_settings(WITHOUT_BOTO3 + "import mercato.settings", S3_BUCKET="shop-media")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "mercato[s3]" in result.stderr


def test_without_a_bucket_the_s3_extra_is_not_needed():
    result = run_settings(WITHOUT_BOTO3 + STORAGE, S3_BUCKET="")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"
