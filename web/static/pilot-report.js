// "Save as PDF": the browser's print dialog (choose "Save as PDF"); the print stylesheet lays it out.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("save-pdf");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
