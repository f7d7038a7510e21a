# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The one exception tree of Glare; each class carries its HTTP code."""


class GlareException(Exception):
    """Base of every error the service raises on purpose."""

    code = 500
    title = 'Internal Server Error'
    msg_fmt = 'An unknown exception occurred'

    def __init__(self, message=None, **kwargs):
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.message = str(message)
        self.kwargs = kwargs
        super().__init__(self.message)

    def __str__(self):
        return self.message


class BadRequest(GlareException):
    code = 400
    title = 'Bad Request'
    msg_fmt = 'Bad request'


class InvalidVersion(BadRequest):
    msg_fmt = 'Invalid version string: %(version)s'


class InvalidFilter(BadRequest):
    msg_fmt = 'Invalid filter: %(reason)s'


class InvalidSort(BadRequest):
    msg_fmt = 'Invalid sort: %(reason)s'


class InvalidJsonPatch(BadRequest):
    msg_fmt = 'Invalid JSON patch: %(reason)s'


class InvalidData(BadRequest):
    """Uploaded data its artifact type does not accept."""
    msg_fmt = 'The uploaded data is not valid: %(reason)s'


class NotConvertible(InvalidData):
    """Image data a conversion refuses (glare.services.conversion)."""
    msg_fmt = 'The image cannot be converted: %(reason)s'


class Unauthorized(GlareException):
    code = 401
    title = 'Unauthorized'
    msg_fmt = 'Authentication required'


class Forbidden(GlareException):
    code = 403
    title = 'Forbidden'
    msg_fmt = 'You are not authorized to complete this action.'


class PolicyException(Forbidden):
    msg_fmt = 'Policy check for %(policy_name)s failed.'


class NotFound(GlareException):
    code = 404
    title = 'Not Found'
    msg_fmt = 'Not found'


class ArtifactNotFound(NotFound):
    msg_fmt = 'Artifact %(id)s could not be found.'


class TypeNotFound(NotFound):
    msg_fmt = 'Artifact type %(type_name)s is not supported.'


class MethodNotAllowed(GlareException):
    code = 405
    title = 'Method Not Allowed'
    msg_fmt = 'Method not allowed'

    def __init__(self, message=None, allowed=(), **kwargs):
        self.allowed = tuple(allowed)
        super().__init__(message, **kwargs)


class NotAcceptable(GlareException):
    code = 406
    title = 'Not Acceptable'
    msg_fmt = 'Not acceptable'


class Conflict(GlareException):
    code = 409
    title = 'Conflict'
    msg_fmt = 'Conflict'


class ArtifactExists(Conflict):
    msg_fmt = ('Artifact with this name and version already exists '
               'for this owner: %(name)s %(version)s')


class LengthRequired(GlareException):
    code = 411
    title = 'Length Required'
    msg_fmt = 'Send the data with a Content-Length or chunked encoding'


class PreconditionFailed(GlareException):
    code = 412
    title = 'Precondition Failed'
    msg_fmt = 'A precondition of the request does not hold'


class RequestEntityTooLarge(GlareException):
    code = 413
    title = 'Request Entity Too Large'
    msg_fmt = 'The request entity is too large'


class UnsupportedMediaType(GlareException):
    code = 415
    title = 'Unsupported Media Type'
    msg_fmt = 'Unsupported media type'


class RequestedRangeNotSatisfiable(GlareException):
    code = 416
    title = 'Requested Range Not Satisfiable'
    msg_fmt = 'Requested range not satisfiable'


class BadGateway(GlareException):
    code = 502
    title = 'Bad Gateway'
    msg_fmt = 'An external server answered wrongly'


class GatewayTimeout(GlareException):
    code = 504
    title = 'Gateway Timeout'
    msg_fmt = 'An external server did not answer in time'


class StorageFull(GlareException):
    code = 507
    title = 'Insufficient Storage'
    msg_fmt = 'The store has no room left for this data'


class ServiceUnavailable(GlareException):
    code = 503
    title = 'Service Unavailable'
    msg_fmt = 'Service unavailable'


class ConfigurationError(GlareException):
    """The service cannot start with this configuration."""

    msg_fmt = 'Invalid configuration'
