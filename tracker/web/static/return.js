// The online return: says when something typed is not saved yet, and asks before leaving then.
// The page works without this file: Save and Submit return post the whole page.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("return-form");
  if (!form) { return; }
  var state = form.querySelector(".save-state");
  var unsaved = false;
  function changed(event) {
    if (event.target.form !== form) { return; }  // a reviewer's note belongs to the review form
    if (!unsaved) {
      unsaved = true;
      state.textContent = "Unsaved changes";
    }
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { unsaved = false; });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
});
